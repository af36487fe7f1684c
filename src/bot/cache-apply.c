/*
 * What each dispatch does to the cache (cache.h cache_apply). Fields are
 * read straight from the frame's jsmn tokens: no jansson tree, no
 * allocation beyond the tables' own. A field that is absent or of the wrong
 * type leaves the cached value alone; only a missing id makes an event
 * malformed (-1).
 */
#include <stdlib.h>
#include <string.h>

#include "bot/cache-internal.h"

typedef int (*apply_fn)(struct cache *c, const struct frame *f, int d);

static bool
get_id(const struct frame *f, int obj, const char *key, uint64_t *out)
{
	return frame_u64(f, frame_get(f, obj, key), out);
}

static void
get_str(const struct frame *f, int obj, const char *key, char *out, size_t outlen)
{
	int i = frame_get(f, obj, key);

	if (frame_is_null(f, i))
		out[0] = '\0';
	else
		(void)frame_copy_str(f, i, out, outlen);   /* -1 (not a string): unchanged */
}

static void
get_int(const struct frame *f, int obj, const char *key, int *out)
{
	int64_t v;

	if (frame_i64(f, frame_get(f, obj, key), &v) && v >= 0 && v <= INT32_MAX)
		*out = (int)v;
}

/* The user object at token u; 1 stored, 0 refused, -1 no id. */
static int
put_user(struct cache *c, const struct frame *f, int u, uint64_t *id)
{
	struct cache_user *cu;
	bool added;

	if (!get_id(f, u, "id", id))
		return -1;
	if ((cu = cache_table_put(&c->t[CACHE_USER], *id, 0, &added)) == NULL)
		return 0;
	cu->id = *id;
	get_str(f, u, "username", cu->username, sizeof(cu->username));
	(void)frame_bool(f, frame_get(f, u, "bot"), &cu->bot);
	return 1;
}

/* A member object (with its `user`) of guild gid. */
static int
put_member(struct cache *c, const struct frame *f, int m, uint64_t gid)
{
	struct cache_member *cm;
	uint64_t uid;
	bool added;
	int rc = put_user(c, f, frame_get(f, m, "user"), &uid);

	if (rc < 0)
		return -1;
	if ((cm = cache_table_put(&c->t[CACHE_MEMBER], gid, uid, &added)) == NULL)
		return rc;
	cm->guild_id = gid;
	cm->user_id = uid;
	get_str(f, m, "nick", cm->nick, sizeof(cm->nick));
	return 1;
}

/* A channel object; gid is used when the object has no guild_id (the
 * channels of GUILD_CREATE). */
static int
put_channel(struct cache *c, const struct frame *f, int ch, uint64_t gid)
{
	struct cache_channel *cc;
	uint64_t id;
	bool added;

	if (!get_id(f, ch, "id", &id))
		return -1;
	if ((cc = cache_table_put(&c->t[CACHE_CHANNEL], id, 0, &added)) == NULL)
		return 0;
	cc->id = id;
	if (!get_id(f, ch, "guild_id", &cc->guild_id) && added)
		cc->guild_id = gid;
	get_int(f, ch, "type", &cc->type);
	get_str(f, ch, "name", cc->name, sizeof(cc->name));
	return 1;
}

/* Applies put to each element of array `key` in obj; 1 if any changed. */
static int
put_each(struct cache *c, const struct frame *f, int obj, const char *key, uint64_t gid,
    int (*put)(struct cache *, const struct frame *, int, uint64_t))
{
	int arr = frame_get(f, obj, key), n = frame_count(f, arr), changed = 0;

	if (arr < 0 || f->tok[arr].type != JSMN_ARRAY)
		return 0;
	for (int i = 0, e = frame_first(f, arr); i < n && e >= 0; i++, e = frame_skip(f, e)) {
		if (put(c, f, e, gid) > 0)
			changed = 1;
	}
	return changed;
}

/* READY's guilds are stubs: {id, unavailable: true}. */
static int
put_stub(struct cache *c, const struct frame *f, int g, uint64_t unused)
{
	struct cache_guild *cg;
	uint64_t id;
	bool added;

	(void)unused;
	if (!get_id(f, g, "id", &id))
		return -1;
	if ((cg = cache_table_put(&c->t[CACHE_GUILD], id, 0, &added)) == NULL)
		return 0;
	cg->id = id;
	cg->unavailable = true;
	return 1;
}

static int
apply_ready(struct cache *c, const struct frame *f, int d)
{
	uint64_t self;

	if (put_user(c, f, frame_get(f, d, "user"), &self) < 0)
		return -1;
	c->self_id = self;
	(void)put_each(c, f, d, "guilds", 0, put_stub);
	return 1;
}

/* The guild's own fields; NULL when refused. */
static struct cache_guild *
put_guild(struct cache *c, const struct frame *f, int d, uint64_t id)
{
	struct cache_guild *cg;
	bool added, unavailable = false;

	if ((cg = cache_table_put(&c->t[CACHE_GUILD], id, 0, &added)) == NULL)
		return NULL;
	cg->id = id;
	(void)frame_bool(f, frame_get(f, d, "unavailable"), &unavailable);
	cg->unavailable = unavailable;
	get_str(f, d, "name", cg->name, sizeof(cg->name));
	get_int(f, d, "member_count", &cg->member_count);
	return cg;
}

static int
apply_guild(struct cache *c, const struct frame *f, int d)
{
	uint64_t id;

	if (!get_id(f, d, "id", &id))
		return -1;
	/* A refused guild brings none of its channels or members. */
	if (put_guild(c, f, d, id) == NULL)
		return 0;
	(void)put_each(c, f, d, "channels", id, put_channel);
	(void)put_each(c, f, d, "members", id, put_member);
	return 1;
}

static bool
in_guild(const void *rec, void *arg)
{
	return ((const struct cache_channel *)rec)->guild_id == *(uint64_t *)arg;
}

static bool
member_in_guild(const void *rec, void *arg)
{
	return ((const struct cache_member *)rec)->guild_id == *(uint64_t *)arg;
}

/* unavailable: an outage, the guild stays as a stub; else the bot left. */
static int
apply_guild_delete(struct cache *c, const struct frame *f, int d)
{
	struct cache_guild *cg;
	bool unavailable = false;
	uint64_t id;

	if (!get_id(f, d, "id", &id))
		return -1;
	(void)frame_bool(f, frame_get(f, d, "unavailable"), &unavailable);
	if (unavailable) {
		if ((cg = cache_table_get(&c->t[CACHE_GUILD], id, 0)) == NULL)
			return 0;
		cg->unavailable = true;
		return 1;
	}
	if (!cache_table_del(&c->t[CACHE_GUILD], id, 0))
		return 0;
	(void)cache_table_del_if(&c->t[CACHE_CHANNEL], in_guild, &id);
	(void)cache_table_del_if(&c->t[CACHE_MEMBER], member_in_guild, &id);
	return 1;
}

static int
apply_channel(struct cache *c, const struct frame *f, int d)
{
	return put_channel(c, f, d, 0);
}

/* Deletes the record of kind k keyed by the snowflake at `key`. */
static int
delete_by(struct cache *c, const struct frame *f, int d, const char *key, enum cache_kind k)
{
	uint64_t id;

	if (!get_id(f, d, key, &id))
		return -1;
	return cache_table_del(&c->t[k], id, 0) ? 1 : 0;
}

static int
apply_channel_delete(struct cache *c, const struct frame *f, int d)
{
	return delete_by(c, f, d, "id", CACHE_CHANNEL);
}

static int
apply_member(struct cache *c, const struct frame *f, int d)
{
	uint64_t gid;

	if (!get_id(f, d, "guild_id", &gid))
		return -1;
	return put_member(c, f, d, gid);
}

static int
apply_member_remove(struct cache *c, const struct frame *f, int d)
{
	uint64_t gid, uid;

	if (!get_id(f, d, "guild_id", &gid) || !get_id(f, d, "user.id", &uid))
		return -1;
	return cache_table_del(&c->t[CACHE_MEMBER], gid, uid) ? 1 : 0;
}

static int
apply_user(struct cache *c, const struct frame *f, int d)
{
	uint64_t id;

	return put_user(c, f, d, &id);
}

/* The content of a message without any, or whose copy found no memory:
 * shared, never freed. */
static char no_content[1];

void
cache_message_drop(void *ud, void *rec)
{
	struct cache *c = ud;
	struct cache_message *m = rec;

	/* No content holds a NUL (the scan refuses \u0000): strlen is its length. */
	if (m->content != NULL && m->content != no_content) {
		c->content_bytes -= strlen(m->content) + 1;
		free(m->content);
	}
	m->content = no_content;
}

/* m's content from string token i, like get_str: null empties it; absent
 * or not a string leaves it alone. */
static void
set_content(struct cache *c, struct cache_message *m, const struct frame *f, int i)
{
	char buf[CACHE_CONTENT_MAX], *p = no_content;
	int n = 0;

	if (m->content == NULL)
		m->content = no_content;
	buf[0] = '\0';
	if (!frame_is_null(f, i) && (n = frame_copy_str(f, i, buf, sizeof(buf))) < 0)
		return;
	if (strcmp(buf, m->content) == 0)
		return;
	if (n > 0 && (p = malloc((size_t)n + 1)) == NULL)
		return;
	if (p != no_content)
		memcpy(p, buf, (size_t)n + 1);
	cache_message_drop(c, m);
	m->content = p;
	if (p != no_content)
		c->content_bytes += (size_t)n + 1;
}

/* MESSAGE_CREATE, and MESSAGE_UPDATE: a full update is stored like a new
 * message; a partial one (no author) only edits a cached message. */
static int
apply_message(struct cache *c, const struct frame *f, int d)
{
	struct cache_message *m;
	uint64_t id, author = 0;
	int a = frame_get(f, d, "author");
	bool added;

	if (!get_id(f, d, "id", &id))
		return -1;
	if (a >= 0 && put_user(c, f, a, &author) < 0)
		return -1;
	if (a < 0)
		m = cache_table_get(&c->t[CACHE_MESSAGE], id, 0);
	else
		m = cache_table_put(&c->t[CACHE_MESSAGE], id, 0, &added);
	if (m == NULL)
		return 0;
	m->id = id;
	if (author != 0)
		m->author_id = author;
	(void)get_id(f, d, "channel_id", &m->channel_id);
	set_content(c, m, f, frame_get(f, d, "content"));
	return 1;
}

static int
apply_message_delete(struct cache *c, const struct frame *f, int d)
{
	return delete_by(c, f, d, "id", CACHE_MESSAGE);
}

static int
apply_message_delete_bulk(struct cache *c, const struct frame *f, int d)
{
	int arr = frame_get(f, d, "ids"), n = frame_count(f, arr), changed = 0;
	uint64_t id;

	if (arr < 0 || f->tok[arr].type != JSMN_ARRAY)
		return -1;
	for (int i = 0, e = frame_first(f, arr); i < n && e >= 0; i++, e = frame_skip(f, e)) {
		if (frame_u64(f, e, &id) && cache_table_del(&c->t[CACHE_MESSAGE], id, 0))
			changed = 1;
	}
	return changed;
}

/* The objects and arrays of d each handler reads (cache_reads): the rest of
 * d, an embed or a member nobody here reads, is checked but not
 * tokenized. A handler reading a container not listed finds it empty:
 * tests/unit/test-cache.c decodes every event this way. */
static const char *const scalars_only[] = { NULL };
static const char *const ready_reads[] = { "user", "guilds", NULL };
static const char *const guild_reads[] = { "channels", "members", NULL };
static const char *const member_reads[] = { "user", NULL };
static const char *const message_reads[] = { "author", NULL };
static const char *const bulk_reads[] = { "ids", NULL };

static const struct {
	const char *t;
	apply_fn fn;
	const char *const *nested;
} handlers[] = {
	{ "READY", apply_ready, ready_reads },
	{ "GUILD_CREATE", apply_guild, guild_reads },
	{ "GUILD_UPDATE", apply_guild, guild_reads },
	{ "GUILD_DELETE", apply_guild_delete, scalars_only },
	{ "CHANNEL_CREATE", apply_channel, scalars_only },
	{ "CHANNEL_UPDATE", apply_channel, scalars_only },
	{ "CHANNEL_DELETE", apply_channel_delete, scalars_only },
	{ "GUILD_MEMBER_ADD", apply_member, member_reads },
	{ "GUILD_MEMBER_UPDATE", apply_member, member_reads },
	{ "GUILD_MEMBER_REMOVE", apply_member_remove, member_reads },
	{ "USER_UPDATE", apply_user, scalars_only },
	{ "MESSAGE_CREATE", apply_message, message_reads },
	{ "MESSAGE_UPDATE", apply_message, message_reads },
	{ "MESSAGE_DELETE", apply_message_delete, scalars_only },
	{ "MESSAGE_DELETE_BULK", apply_message_delete_bulk, bulk_reads },
};

/* The handler of dispatch t, or -1. Every event asks (twice: the decoder's
 * want and cache_apply), so names are told apart by their first byte
 * before any strcmp. */
static int
handler_of(const char *t)
{
	for (size_t k = 0; k < sizeof(handlers) / sizeof(handlers[0]); k++) {
		if (t[0] == handlers[k].t[0] && strcmp(t, handlers[k].t) == 0)
			return (int)k;
	}
	return -1;
}

enum frame_reads
cache_reads(const char *t, const char *const **nested)
{
	int k = handler_of(t);

	if (k < 0)
		return FRAME_READS_NONE;
	*nested = handlers[k].nested;
	return FRAME_READS_SOME;
}

int
cache_apply(struct cache *c, const struct frame *f)
{
	int k = handler_of(f->t), rc;

	if (k < 0)
		return 0;
	if (f->d < 0 || f->tok[f->d].type != JSMN_OBJECT)
		return -1;
	rc = handlers[k].fn(c, f, f->d);
	if (rc > 0)
		c->updates++;
	return rc;
}
