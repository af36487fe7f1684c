/*
 * The state-file loader: bot_load_state, and budget_from_json under it.
 *
 *  - A file that does not load returns -1 with a message, restores no
 *    session and assumes cfg.budget_assume_on_corrupt starts were used
 *    (never a silent reset).
 *  - A file that loads round-trips: bot_save_state's text loads again and
 *    saves to the same text, with the same budget and session.
 *  - budget_from_json leaves the budget untouched when it refuses.
 */
#include <stdbool.h>
#include <string.h>

#include <jansson.h>

#include "bot/bot.h"
#include "fuzz.h"

/* Every input is read at the same instant, so a crash replays exactly. */
static const struct vtime now = { 3600000, 1700000000000LL };

/* struct bot is 420 KB, and bot_init also allocates the log ring, cache and
 * REST queue: init and free per input would cost more than the load. So
 * one bot is initialised once, its fresh struct kept, and copied back
 * before every load. A load changes fields of the struct (budget, session)
 * and appends to the log ring; the ring's slots are shared by both copies
 * and only ever written here, so restoring its struct keeps it consistent. */
static struct bot *bot;
static struct bot *fresh;
/* A budget with a few starts and a Discord reading, to see that a refusal
 * leaves it as it was. */
static struct budget *seeded;
/* The shared parts (budget, log) live in the bot's fleet: restored too. */
static struct fleet *fresh_fleet;

static void
setup(void)
{
	struct bot_config cfg;
	char err[160];

	bot_config_defaults(&cfg);
	snprintf(cfg.token, sizeof(cfg.token), "fuzz-token-0123456789");
	cfg.log_capacity = 64;
	bot = malloc(sizeof(*bot));
	fresh = malloc(sizeof(*fresh));
	seeded = malloc(sizeof(*seeded));
	if (bot == NULL || fresh == NULL || seeded == NULL ||
	    bot_init(bot, &cfg, now, err, sizeof(err)) < 0)
		abort();
	memcpy(fresh, bot, sizeof(*bot));
	fresh_fleet = malloc(sizeof(*fresh_fleet));
	if (fresh_fleet == NULL)
		abort();
	memcpy(fresh_fleet, bot->fleet, sizeof(*fresh_fleet));
	budget_init(seeded, 1000, 10);
	budget_record(seeded, (struct vtime){ 1000, now.wall_ms - 7200000 }, 0, "first start");
	budget_record(seeded, (struct vtime){ 2000, now.wall_ms - 60000 }, 0, "op 9");
	budget_update_discord(seeded, now, 1000, 990, 3600000, 1);
}

static void
reset(void)
{
	memcpy(bot, fresh, sizeof(*bot));
	memcpy(bot->fleet, fresh_fleet, sizeof(*fresh_fleet));
}

static void
check_corrupt(const char *err)
{
	int assumed = fresh->cfg.budget_assume_on_corrupt;

	FUZZ_CHECK(err[0] != '\0', "a refused state file without a message");
	FUZZ_CHECK(budget_used(bot->budget, now) == assumed, "corrupt file: %d starts "
	    "counted, %d assumed", budget_used(bot->budget, now), assumed);
	FUZZ_CHECK(bot->session_id[0] == '\0', "corrupt file restored session '%s'",
	    bot->session_id);
}

/* Saves, reloads into a fresh bot and saves again: the same text, budget
 * and session. */
static void
check_round_trip(void)
{
	char err[256], *text, *again;
	int used = budget_used(bot->budget, now);
	char session[BOT_SESSION_ID_MAX];
	int64_t seq = bot->seq;

	memcpy(session, bot->session_id, sizeof(session));
	text = bot_save_state(bot, now);
	FUZZ_CHECK(text != NULL, "bot_save_state failed");
	reset();
	err[0] = '\0';
	FUZZ_CHECK(bot_load_state(bot, text, strlen(text), now, err, sizeof(err)) == 0,
	    "the saved state does not load: %s\n%s", err, text);
	again = bot_save_state(bot, now);
	FUZZ_CHECK(again != NULL && strcmp(text, again) == 0, "saved twice differently:\n%s\n%s",
	    text, again != NULL ? again : "(null)");
	FUZZ_CHECK(budget_used(bot->budget, now) == used, "%d starts, then %d", used,
	    budget_used(bot->budget, now));
	FUZZ_CHECK(strcmp(session, bot->session_id) == 0 && (session[0] == '\0' || seq == bot->seq),
	    "session '%s' seq %lld, then '%s' %lld", session, (long long)seq, bot->session_id,
	    (long long)bot->seq);
	free(again);
	free(text);
}

/* budget_from_json directly, on a budget that has something to lose. */
static void
check_budget_unchanged_on_error(const uint8_t *data, size_t size)
{
	static struct budget scratch;
	json_t *root = json_loadb((const char *)data, size, 0, NULL);
	const json_t *j = json_object_get(root, "budget");
	char err[160];

	if (j == NULL)
		j = root;
	if (j != NULL) {
		memcpy(&scratch, seeded, sizeof(scratch));
		err[0] = '\0';
		if (budget_from_json(&scratch, j, now, err, sizeof(err)) < 0)
			FUZZ_CHECK(err[0] != '\0' && memcmp(&scratch, seeded, sizeof(scratch)) == 0,
			    "a refused budget changed the budget (%s)", err);
		else
			FUZZ_CHECK(budget_used(&scratch, now) <= BUDGET_MAX_STARTS &&
			    budget_remaining(&scratch, now) >= 0, "loaded budget out of range");
	}
	json_decref(root);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	int rc;

	if (bot == NULL)
		setup();
	reset();
	err[0] = '\0';
	rc = bot_load_state(bot, (const char *)data, size, now, err, sizeof(err));
	if (rc < 0)
		check_corrupt(err);
	else {
		FUZZ_CHECK(rc == 0, "bot_load_state returned %d", rc);
		check_round_trip();
	}
	check_budget_unchanged_on_error(data, size);
	return 0;
}
