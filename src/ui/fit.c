/*
 * Lines that fit their pane, htop's way: a view writes each line as fields
 * (a label and its value, one word of free text, one path segment), in one
 * or more forms from the longest to the shortest, and fit_draw() picks
 * what is shown:
 *
 *   1. the first form whose every field fits;
 *   2. else the first form that fits once its droppable fields are left
 *      out, lowest priority first (the status line's uptime, then cache,
 *      then events);
 *   3. else the last form with its droppable fields left out, cut after
 *      the last field that fits, and "…" where the rest would be.
 *
 * A field is never cut inside, so no number or word is shown half. What
 * a layout needs (fit_need) is the narrowest a line can be drawn without
 * a cut: the console chooses its layout by that, not by a fixed size.
 * See docs/console.md, "Narrow terminals".
 */
#include <stdio.h>
#include <string.h>

#include "ui/ui.h"

void
fit_init(struct fit_line *l)
{
	memset(l, 0, sizeof(*l));
}

void
fit_field(struct fit_line *l, int drop)
{
	if (l->nfields >= FIT_FIELDS)
		return;
	l->drop[l->nfields++] = (unsigned char)drop;
}

static void
add_span(struct fit_line *l, enum ui_role role, const char *text, size_t len)
{
	struct fit_span *s;

	if (l->nfields == 0)
		fit_field(l, 0);
	if (l->nspans >= FIT_SPANS || l->used + len + 1 > sizeof(l->text) || len == 0)
		return;
	s = &l->span[l->nspans++];
	s->role = role;
	s->field = l->nfields - 1;
	s->off = (unsigned short)l->used;
	memcpy(l->text + l->used, text, len);
	l->used += len;
	l->text[l->used++] = '\0';
	s->width = ui_width(l->text + s->off);
}

void
fit_add(struct fit_line *l, enum ui_role role, const char *fmt, ...)
{
	char buf[FIT_TEXT];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		add_span(l, role, buf, strlen(buf));
}

void
fit_split(struct fit_line *l, enum ui_role role, const char *text, const char *seps)
{
	const char *p = text;

	while (*p != '\0') {
		/* A field is its separators and the run up to the next one. */
		size_t n = strspn(p, seps);

		n += strcspn(p + n, seps);
		fit_field(l, 0);
		add_span(l, role, p, n);
		p += n;
	}
}

/* Whether field f is shown when fields with 0 < drop <= level are not. */
static bool
kept(const struct fit_line *l, int f, int level)
{
	return l->drop[f] == 0 || l->drop[f] > level;
}

static int
width_at(const struct fit_line *l, int level)
{
	int w = 0;

	for (int i = 0; i < l->nspans; i++)
		if (kept(l, l->span[i].field, level))
			w += l->span[i].width;
	return w;
}

static int
max_drop(const struct fit_line *l)
{
	int m = 0;

	for (int f = 0; f < l->nfields; f++)
		if (l->drop[f] > m)
			m = l->drop[f];
	return m;
}

int
fit_width(const struct fit_line *l)
{
	return width_at(l, 0);
}

int
fit_need(const struct fit_line *forms, int nforms)
{
	int need = -1;

	for (int i = 0; i < nforms; i++) {
		int w = width_at(&forms[i], max_drop(&forms[i]));

		if (need < 0 || w < need)
			need = w;
	}
	return need < 0 ? 0 : need;
}

/* The fields of l that fit maxw at drop level `level`, with room for the
 * ellipsis when not all of them do: the index of the first field cut. */
static int
cut_field(const struct fit_line *l, int level, int maxw, int ellw)
{
	int w = 0, f = -1, fw = 0;

	for (int i = 0; i <= l->nspans; i++) {
		int sf = i < l->nspans ? l->span[i].field : l->nfields;

		if (sf != f) {
			if (f >= 0 && w + fw + ellw > maxw)
				return f;
			w += fw;
			fw = 0;
			f = sf;
		}
		if (i < l->nspans && kept(l, sf, level))
			fw += l->span[i].width;
	}
	return l->nfields;
}

static int
draw_form(WINDOW *w, int y, int x, int maxw, const struct fit_line *l, int level, int upto)
{
	int used = 0;

	for (int i = 0; i < l->nspans; i++) {
		const struct fit_span *s = &l->span[i];

		if (s->field >= upto)
			break;
		if (kept(l, s->field, level))
			used += ui_put(w, y, x + used, maxw - used, s->role, l->text + s->off);
	}
	return used;
}

/* What fit_draw shows of forms in maxw: the form, the drop level and the
 * first field left out (FIT_FIELDS: none, the line is whole). */
struct fit_pick {
	const struct fit_line *l;
	int level, upto;
	bool cut;
};

static struct fit_pick
pick(const struct fit_line *forms, int nforms, int maxw)
{
	struct fit_pick p = { &forms[nforms - 1], 0, FIT_FIELDS, false };

	for (int i = 0; i < nforms; i++)
		if (fit_width(&forms[i]) <= maxw) {
			p.l = &forms[i];
			return p;
		}
	for (int i = 0; i < nforms; i++)
		for (int d = 1; d <= max_drop(&forms[i]); d++)
			if (width_at(&forms[i], d) <= maxw) {
				p.l = &forms[i];
				p.level = d;
				return p;
			}
	p.level = max_drop(p.l);
	p.upto = cut_field(p.l, p.level, maxw, 1);
	p.cut = true;
	return p;
}

/* The width of the fields of l before `upto` at drop level `level`. */
static int
width_upto(const struct fit_line *l, int level, int upto)
{
	int w = 0;

	for (int i = 0; i < l->nspans && l->span[i].field < upto; i++)
		if (kept(l, l->span[i].field, level))
			w += l->span[i].width;
	return w;
}

int
fit_drawn(const struct fit_line *forms, int nforms, int maxw)
{
	struct fit_pick p;

	if (nforms <= 0 || maxw <= 0)
		return 0;
	p = pick(forms, nforms, maxw);
	return width_upto(p.l, p.level, p.upto) + (p.cut ? 1 : 0);
}

int
fit_draw(WINDOW *w, int y, int x, int maxw, const struct fit_line *forms, int nforms)
{
	struct fit_pick p;
	int used;

	if (nforms <= 0 || maxw <= 0)
		return 0;
	p = pick(forms, nforms, maxw);
	used = draw_form(w, y, x, maxw, p.l, p.level, p.upto);
	if (p.cut)
		used += ui_put(w, y, x + used, maxw - used, ROLE_DIM, ui_utf8() ? "…" : "~");
	return used;
}
