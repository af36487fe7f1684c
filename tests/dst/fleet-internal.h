/*
 * The many-shard simulation's insides, shared by fleet-world.c (the loop,
 * the network, the process) and fleet-check.c (the invariants, the faults,
 * the report).
 */
#ifndef VIGIL_DST_FLEET_INTERNAL_H
#define VIGIL_DST_FLEET_INTERNAL_H

#include <stdio.h>

#include "bot/bot.h"
#include "sim/sim.h"
#include "fleet-world.h"

#define FW_LINKS        1024
#define FW_SHARDS_MAX   256
#define FW_IDENT_MAX    BUDGET_MAX_STARTS
#define FW_CALM_MS      (30 * MS_PER_MIN)

enum fk {
	FK_CONNECT, FK_OPENED, FK_TO_SIM, FK_TO_BOT, FK_CLOSE_TO_SIM, FK_CLOSE_TO_BOT,
	FK_HTTP_REQ, FK_HTTP_RESP, FK_FAULT, FK_CRASH, FK_BOOT, FK_CALM,
};

struct freq {
	uint64_t id;
	char method[8];
	char *path, *body, *rbody;
	size_t body_len, rlen;
	int status;
	struct rlq_headers h;
};

struct fev {
	int64_t at;
	uint64_t serial, gen;
	enum fk kind;
	int link, code;
	char *data;
	size_t len;
	struct freq *req;
};

struct flink {
	bool used;
	uint64_t gen;           /* the process that opened it */
	int shard;
	uint32_t conn, sim_id;
	int64_t lat;            /* one way, fixed: each direction stays in order */
	char path[128];
	bool bot_closed, sim_closed, blackhole;
	bool close_to_bot_sent, close_to_sim_sent;
};

struct fw {
	struct fw_opts o;
	struct fw_result *r;
	struct rng rng;
	struct vtime now;
	int64_t end, fault_gap;
	bool calm;
	struct fev **heap;
	size_t n, cap;
	uint64_t serial;
	struct sim *sim;
	int nshards, mc, limit;
	/* the process */
	bool up;
	uint64_t gen;
	struct fleet *fleet;
	struct bot *bots;
	struct bot_config cfg;
	char *state;
	size_t state_len;
	struct flink links[FW_LINKS];
	/* the checker's records */
	int64_t key_ident[BUDGET_MAX_CONCURRENCY];     /* mono of the key's last IDENTIFY */
	int64_t ident_wall[FW_IDENT_MAX];
	int ident_head, ident_count;
	size_t guilds[FW_SHARDS_MAX];
	bool identified[FW_SHARDS_MAX];
	char trace[8][160];
	int trace_n;
};

/* fleet-world.c */
struct fev *fw_ev(struct fw *w, enum fk kind, int64_t at);
int64_t fw_range(struct fw *w, int64_t lo, int64_t hi);
void fw_drain_sim(struct fw *w);
void fw_drain_bots(struct fw *w);

/* fleet-check.c */
void fw_check_open(struct fw *w, int shard);
void fw_check_identify(struct fw *w, int shard);
void fw_check_boot(struct fw *w);
void fw_check_step(struct fw *w);
void fw_check_end(struct fw *w);
void fw_fault(struct fw *w);
void fw_trace(struct fw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fw_fail(struct fw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
