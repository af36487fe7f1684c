/*
 * This process's shards (docs/design.md "Shards"): `shards = N | auto` and
 * `shard_ids` from the config become a fleet and one session machine per
 * shard id. `auto` takes `shards` from GET /gateway/bot once, before the
 * loop starts; the built-in emulator is asked nothing and says 1.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app-internal.h"

#define AUTO_BODY_MAX   (64 * 1024)
#define AUTO_TIMEOUT_S  15L

struct body {
	char buf[AUTO_BODY_MAX];
	size_t len;
};

static size_t
collect(char *p, size_t size, size_t n, void *ud)
{
	struct body *b = ud;
	size_t k = size * n;

	if (k > sizeof(b->buf) - 1 - b->len)
		return 0;
	memcpy(b->buf + b->len, p, k);
	b->len += k;
	b->buf[b->len] = '\0';
	return k;
}

/* The recommended shard count from GET /gateway/bot. Blocking, once, before
 * the loop runs: nothing else is alive yet to be held up. */
static int
fetch_recommended(const char *api_base, const char *token, int *out, char *err, size_t errlen)
{
	static struct body b;
	char url[APP_URL_MAX + 32], auth[BOT_TOKEN_MAX + 32];
	struct curl_slist *hdr = NULL;
	CURL *c = curl_easy_init();
	json_t *root;
	long status = 0;
	CURLcode rc;

	if (c == NULL) {
		snprintf(err, errlen, "shards = auto: out of memory");
		return -1;
	}
	b.len = 0;
	snprintf(url, sizeof(url), "%s%s/gateway/bot", api_base,
	    strstr(api_base, "/v10") != NULL ? "" : "/v10");
	snprintf(auth, sizeof(auth), "Authorization: Bot %s", token);
	hdr = curl_slist_append(hdr, auth);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, AUTO_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "DiscordBot (vigil, " VIGIL_VERSION ")");
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdr);
	explicit_bzero(auth, sizeof(auth));
	curl_easy_cleanup(c);
	if (rc != CURLE_OK || status != 200) {
		snprintf(err, errlen, "shards = auto: GET /gateway/bot failed (%s)",
		    rc != CURLE_OK ? curl_easy_strerror(rc) : status == 401 ? "401: the token" : "not 200");
		return -1;
	}
	root = json_loads(b.buf, 0, NULL);
	*out = (int)json_integer_value(json_object_get(root, "shards"));
	json_decref(root);
	if (*out < 1 || *out > FLEET_SHARDS_MAX) {
		snprintf(err, errlen, "shards = auto: /gateway/bot recommends no usable shard count");
		return -1;
	}
	return 0;
}

static int
shard_count(struct app *a, char *err, size_t errlen)
{
	int n = a->cfg.bot.shard_count;

	if (n > 0)
		return n;
	if (a->cfg.api_base[0] == '\0')
		return 1;       /* the built-in emulator recommends one */
	if (fetch_recommended(a->cfg.api_base, a->cfg.bot.token, &n, err, errlen) < 0)
		return -1;
	return n;
}

int
app_make_shards(struct app *a, char *err, size_t errlen)
{
	struct shard_set set;
	char why[160];
	int n = shard_count(a, err, errlen);

	if (n < 0)
		return -1;
	if (shard_set_parse(&set, a->cfg.shard_ids, n, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "shard_ids = %s: %s", a->cfg.shard_ids, why);
		return -1;
	}
	a->cfg.bot.shard_count = n;
	if (fleet_init(&a->fleet, &a->cfg.bot, set.n, loop_now(), err, errlen) < 0)
		return -1;
	a->fleet_ready = true;
	a->shards = calloc((size_t)set.n, sizeof(*a->shards));
	if (a->shards == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int i = 0; i < set.n; i++) {
		struct bot_config c = a->cfg.bot;

		c.shard_id = set.ids[i];
		a->nshards = i + 1;
		if (bot_init_shard(&a->shards[i].bot, &a->fleet, &c, loop_now(), err, errlen) < 0)
			return -1;
		a->shards[i].ready = true;
		a->shards[i].app = a;
	}
	if (n > 1) {
		shard_set_format(&set, why, sizeof(why));
		LOGF(app_log(a), LOG_INFO, "app", "shards %s of %d in this process", why, n);
	}
	return 0;
}
