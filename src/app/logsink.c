/*
 * Formatting and draining. JSON output is always valid UTF-8: the ring
 * truncates text by bytes, which can cut a character in half, so invalid
 * sequences are replaced before they reach a log collector.
 */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include "bot/bot.h"
#include "app/logsink.h"

void
logsink_init(struct logsink *s, FILE *f, bool json, enum log_level level)
{
	memset(s, 0, sizeof(*s));
	s->f = f;
	s->json = json;
	s->level = level;
	s->next = 1;
}

static size_t
iso_time(int64_t wall_ms, char *buf, size_t len)
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;
	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	return n + (size_t)snprintf(buf + n, len - n, ".%03dZ", (int)(wall_ms % 1000));
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t want = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 :
	    (s[0] & 0xf8) == 0xf0 ? 4 : 0;

	if (want == 0 || want > n || (want == 2 && s[0] < 0xc2))
		return 0;
	for (size_t i = 1; i < want; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	}
	return want;
}

/* Appends text as a JSON string body (no quotes). */
static size_t
json_str(char *out, size_t pos, size_t cap, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t n = strlen(text);

	for (size_t i = 0; i < n && pos + 8 < cap;) {
		size_t k = utf8_len(s + i, n - i);
		if (k == 0) {
			out[pos++] = '?';
			i++;
		} else if (s[i] == '"' || s[i] == '\\') {
			out[pos++] = '\\';
			out[pos++] = (char)s[i++];
		} else if (s[i] < 0x20) {
			pos += (size_t)snprintf(out + pos, cap - pos, "\\u%04x", s[i++]);
		} else {
			memcpy(out + pos, s + i, k);
			pos += k;
			i += k;
		}
	}
	return pos;
}

static size_t
add(char *out, size_t pos, size_t cap, const char *lit)
{
	size_t n = strlen(lit);

	if (pos + n >= cap)
		return pos;
	memcpy(out + pos, lit, n);
	return pos + n;
}

static size_t
format_json(const struct log_entry *e, char *buf, size_t len)
{
	char ts[40], lv[8];
	size_t pos = 0;
	const char *lname = log_level_name(e->level);

	size_t i;

	for (i = 0; i + 1 < sizeof(lv) && lname[i] != '\0'; i++)
		lv[i] = (char)tolower((unsigned char)lname[i]);
	lv[i] = '\0';
	iso_time(e->wall_ms, ts, sizeof(ts));
	pos += (size_t)snprintf(buf, len, "{\"time\":\"%s\",\"level\":\"%s\",\"source\":\"", ts, lv);
	pos = json_str(buf, pos, len, e->source);
	if (e->shard >= 0) {
		char sh[24];
		snprintf(sh, sizeof(sh), "\",\"shard\":%d", e->shard);
		pos = add(buf, pos, len, sh);
		pos = add(buf, pos, len, ",\"msg\":\"");
	} else {
		pos = add(buf, pos, len, "\",\"msg\":\"");
	}
	pos = json_str(buf, pos, len, e->text);
	if (e->from >= 0 && e->from < BOT_STATES && e->to >= 0 && e->to < BOT_STATES) {
		/* After "FROM -> TO", past a "shard N: " prefix. */
		const char *arrow = strstr(e->text, " -> ");
		const char *reason = arrow != NULL ? strstr(arrow, ": ") : NULL;
		pos = add(buf, pos, len, "\",\"from\":\"");
		pos = add(buf, pos, len, bot_state_name((enum bot_state)e->from));
		pos = add(buf, pos, len, "\",\"to\":\"");
		pos = add(buf, pos, len, bot_state_name((enum bot_state)e->to));
		pos = add(buf, pos, len, "\",\"reason\":\"");
		pos = json_str(buf, pos, len, reason != NULL ? reason + 2 : e->text);
	}
	pos = add(buf, pos, len - 1, "\"}\n");
	buf[pos] = '\0';
	return pos;
}

size_t
logsink_format(const struct log_entry *e, bool json, char *buf, size_t len)
{
	char ts[40];
	int n;

	if (json)
		return format_json(e, buf, len);
	iso_time(e->wall_ms, ts, sizeof(ts));
	n = snprintf(buf, len, "%s %-5s %-8s %s\n", ts, log_level_name(e->level), e->source, e->text);
	return n < 0 ? 0 : (size_t)n >= len ? len - 1 : (size_t)n;
}

static void
say_dropped(struct logsink *s, const struct logring *r, uint64_t n)
{
	struct log_entry e;
	char buf[LOGSINK_LINE_MAX];
	size_t len;

	memset(&e, 0, sizeof(e));
	e.wall_ms = r->now.wall_ms;
	e.level = LOG_WARN;
	e.from = e.to = -1;
	snprintf(e.source, sizeof(e.source), "log");
	snprintf(e.text, sizeof(e.text), "%llu lines dropped", (unsigned long long)n);
	len = logsink_format(&e, s->json, buf, sizeof(buf));
	fwrite(buf, 1, len, s->f);
	s->dropped += n;
}

void
logsink_flush(struct logsink *s, const struct logring *r)
{
	uint64_t first = logring_first_seq(r), from = s->next;
	char buf[LOGSINK_LINE_MAX];

	if (s->next >= r->next_seq)
		return;
	if (from < r->cleared_before)
		from = r->cleared_before;       /* cleared on purpose: not a loss */
	if (from < first)
		say_dropped(s, r, first - from);
	for (uint64_t seq = first > from ? first : from; seq < r->next_seq; seq++) {
		const struct log_entry *e = logring_get(r, seq);
		if (e == NULL || e->level < s->level)
			continue;
		fwrite(buf, 1, logsink_format(e, s->json, buf, sizeof(buf)), s->f);
		s->written++;
	}
	s->next = r->next_seq;
	fflush(s->f);
}
