/*
 * TLS on loopback: vigil-sim serves the gateway (wss://) and REST
 * (https://) with a certificate from a CA the test makes with the openssl
 * command line, and vigil trusts that CA through `ca_file`.
 *
 *  - Verified: the gateway and REST both work, and the drop, zombie and
 *    resume-after-close paths behave over TLS as they do in the clear.
 *  - Refused: a certificate for another name, an expired one and one from
 *    an unknown CA. Each refusal says why in a log line, on the gateway
 *    (a resumable session goes straight to it) and on REST, and counts as
 *    a failed attempt whose next try follows the delay formula (default:
 *    1000 ms, then 2000 ms).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../support/net-fixture.h"

static char dir[64];
static char config[256];

/* The CA, and one certificate per case, each with its key. */
static const char make_certs[] =
    "set -e; cd '%s'; q() { \"$@\" >/dev/null 2>&1; }\n"
    "q openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj '/CN=vigil test CA'\n"
    "q openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem -days 2 -subj '/CN=unknown CA'\n"
    "printf 'subjectAltName=IP:127.0.0.1\\n' > ip.ext\n"
    "printf 'subjectAltName=DNS:other.example\\n' > other.ext\n"
    "cert() { q openssl req -newkey rsa:2048 -nodes -keyout $1.key -out $1.csr -subj /CN=$1; "
    "q openssl x509 -req -in $1.csr -CA $2.pem -CAkey $2.key -CAcreateserial -out $1.pem -days $3 -extfile $4.ext; }\n"
    "cert good ca 1 ip; cert wrong-name ca 1 other; cert expired ca -1 ip; cert unknown-ca other-ca 1 ip\n";

static int
group_setup(void **state)
{
	char cmd[2048], ca[128];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vigil-tls.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd), make_certs, dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "cannot make the test certificates with openssl\n");
		return -1;
	}
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	setenv("VIGIL_TEST_CA", ca, 1);         /* the test's own control requests */
	snprintf(config, sizeof(config), "resume_window = 30s\nclose_timeout = 1s\nca_file = %s\n", ca);
	return 0;
}

static int
group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* vigil-sim's arguments for certificate `name` (and, when port > 0, that port). */
struct simargs {
	char cert[128], key[128], port[16];
	const char *argv[12];
};

static const char *const *
sim_args(struct simargs *a, const char *name, int port)
{
	int n = 0;

	snprintf(a->cert, sizeof(a->cert), "%s/%s.pem", dir, name);
	snprintf(a->key, sizeof(a->key), "%s/%s.key", dir, name);
	snprintf(a->port, sizeof(a->port), "%d", port);
	a->argv[n++] = "--tls-cert";
	a->argv[n++] = a->cert;
	a->argv[n++] = "--tls-key";
	a->argv[n++] = a->key;
	a->argv[n++] = "--heartbeat-interval";
	a->argv[n++] = "1000";
	a->argv[n++] = "--resume-window";
	a->argv[n++] = "30s";
	if (port > 0) {
		a->argv[n++] = "--port";
		a->argv[n++] = a->port;
	}
	a->argv[n] = NULL;
	return a->argv;
}

static int
setup(void **state)
{
	static struct netfx f;
	struct simargs a;

	*state = &f;
	return netfx_up(&f, sim_args(&a, "good", 0), config, NULL);
}

static void
verified(void **state)
{
	struct netfx *f = *state;

	NET_CHECK(f, strncmp(f->api, "https://", 8) == 0);
	NET_CHECK(f, netv_count(&f->v, NULL, "connecting to wss://127.0.0.1") == 1);
	NET_CHECK(f, netfx_counter(f, "identifies") == 1);
	NET_CHECK(f, netv_stop(&f->v, SIGTERM, 5000) == 0);
	NET_CHECK(f, netv_stat(&f->v, "rest_ok") >= 1);
	NET_CHECK(f, netv_stat(&f->v, "events") > 0);
}

static void
drop_resumes(void **state)
{
	struct netfx *f = *state;

	NET_CHECK(f, simproc_set(&f->sim, "{\"chatter\":30}") == 200);
	usleep(300 * 1000);
	NET_CHECK(f, netfx_fault(f, "{\"fault\":\"drop\"}"));
	NET_CHECK(f, netv_wait(&f->v, 3000, "Disconnected", "dropped") != NULL);
	NET_CHECK(f, netv_wait(&f->v, 8000, "Connected", "RESUMED") != NULL);
	NET_CHECK(f, netv_stop(&f->v, SIGTERM, 5000) == 0);
	NET_CHECK(f, netv_stat(&f->v, "seq_gaps") == 0);
	NET_CHECK(f, netfx_counter(f, "identifies") == 1);
}

static void
zombie_caught(void **state)
{
	struct netfx *f = *state;

	NET_CHECK(f, netfx_fault(f, "{\"fault\":\"zombie\"}"));
	NET_CHECK(f, netv_wait(&f->v, 3000, NULL, "zombie") != NULL);
	NET_CHECK(f, netv_wait(&f->v, 5000, "Connected", "RESUMED") != NULL);
	NET_CHECK(f, netfx_counter(f, "identifies") == 1);
}

/* The server's close (4000): vigil answers it and resumes. */
static void
close_resumes(void **state)
{
	struct netfx *f = *state;

	NET_CHECK(f, netfx_fault(f, "{\"fault\":\"close\",\"code\":4000}"));
	NET_CHECK(f, netv_wait(&f->v, 3000, NULL, "4000") != NULL);
	NET_CHECK(f, netv_wait(&f->v, 5000, "Connected", "RESUMED") != NULL);
	NET_CHECK(f, netfx_counter(f, "identifies") == 1);
}

/* A session over a good certificate, then the same port serving `name`:
 * the resume goes straight to the gateway and is refused; a fresh vigil's
 * REST is refused too. (The emulator's counters cannot be read here: the
 * test's own requests refuse its certificate as well.) */
static void
refused(struct netfx *f, const char *name, const char *gateway_why, const char *rest_why)
{
	struct simargs a;
	int port, connected = netv_count(&f->v, "Connected", NULL);

	NET_CHECK(f, netv_stop(&f->v, SIGTERM, 5000) == 0);       /* the session is kept */
	port = f->sim.port;
	simproc_stop(&f->sim);
	f->sim_up = false;
	NET_CHECK(f, simproc_start(&f->sim, sim_args(&a, name, port)) == 0);
	f->sim_up = true;
	NET_CHECK(f, netv_restart(&f->v, f->api, config, NULL) == 0);
	NET_CHECK(f, netv_wait(&f->v, 5000, NULL, gateway_why) != NULL);
	NET_CHECK(f, netv_wait(&f->v, 3000, NULL, "could not connect -> resume (attempt 1)") != NULL);
	NET_CHECK(f, netv_wait(&f->v, 3000, NULL, "next attempt (2) in 1000 ms") != NULL);
	NET_CHECK(f, netv_wait(&f->v, 3000, NULL, "next attempt (3) in 2000 ms") != NULL);
	NET_CHECK(f, netv_count(&f->v, "Connected", NULL) == connected);
	NET_CHECK(f, netv_stop(&f->v, SIGTERM, 5000) == 0);
	netv_cleanup(&f->v);
	NET_CHECK(f, netv_start(&f->v, f->api, config, NULL) == 0);
	NET_CHECK(f, netv_wait(&f->v, 5000, NULL, rest_why) != NULL);
	NET_CHECK(f, netv_count(&f->v, NULL, "next attempt in 1000 ms") == 1);
	NET_CHECK(f, netv_wait(&f->v, 3000, NULL, "next attempt in 2000 ms") != NULL);
	NET_CHECK(f, netv_count(&f->v, NULL, "IDENTIFY") == 0);
}

static void
wrong_name_refused(void **state)
{
	refused(*state, "wrong-name", "TLS: certificate refused: IP address mismatch",
	    "no alternative certificate subject name matches");
}

static void
expired_refused(void **state)
{
	refused(*state, "expired", "TLS: certificate refused: certificate has expired",
	    "SSL certificate problem: certificate has expired");
}

static void
unknown_ca_refused(void **state)
{
	refused(*state, "unknown-ca", "TLS: certificate refused: unable to get local issuer",
	    "SSL certificate problem: unable to get local issuer");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(verified, setup, netfx_teardown),
		cmocka_unit_test_setup_teardown(drop_resumes, setup, netfx_teardown),
		cmocka_unit_test_setup_teardown(zombie_caught, setup, netfx_teardown),
		cmocka_unit_test_setup_teardown(close_resumes, setup, netfx_teardown),
		cmocka_unit_test_setup_teardown(wrong_name_refused, setup, netfx_teardown),
		cmocka_unit_test_setup_teardown(expired_refused, setup, netfx_teardown),
		cmocka_unit_test_setup_teardown(unknown_ca_refused, setup, netfx_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
