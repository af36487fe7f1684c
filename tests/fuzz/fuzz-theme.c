/*
 * The theme loader's parser (theme_parse: no curses). Checked: a refusal
 * names a line that exists and leaves the theme as it was; a theme that
 * loads has its mono flag right, names an unknown key only when it counted
 * one, and every colour maps into the 256- and 8-colour palettes a
 * terminal may have.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/theme.h"
#include "fuzz.h"

static void
check_loaded(const struct theme *t)
{
	bool color = false;

	FUZZ_CHECK(t->unknown_keys >= 0 && memchr(t->first_unknown, '\0',
	    sizeof(t->first_unknown)) != NULL, "unknown keys %d", t->unknown_keys);
	FUZZ_CHECK(t->unknown_keys > 0 || t->first_unknown[0] == '\0',
	    "first unknown key '%s' of %d", t->first_unknown, t->unknown_keys);
	for (int r = 0; r < ROLE_ROLES; r++) {
		const struct theme_color *c[2] = { &t->fg[r], &t->bg[r] };

		FUZZ_CHECK(theme_key((enum ui_role)r, false) != NULL, "role %d has no key", r);
		for (int k = 0; k < 2; k++) {
			int c256, c8;

			if (!c[k]->set)
				continue;
			color = true;
			c256 = theme_rgb_to_256(c[k]->r, c[k]->g, c[k]->b);
			c8 = theme_rgb_to_8(c[k]->r, c[k]->g, c[k]->b);
			FUZZ_CHECK(c256 >= 16 && c256 <= 255 && c8 >= 0 && c8 <= 7,
			    "#%02x%02x%02x -> %d, %d", c[k]->r, c[k]->g, c[k]->b, c256, c8);
		}
	}
	FUZZ_CHECK(t->mono == !color, "mono %d with colours %d", t->mono, color);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* struct theme holds a PATH_MAX path: static, not on the stack. */
	static struct theme t, before;
	char *text = malloc(size + 1), err[256];
	int line = 0, lines = 1;

	FUZZ_CHECK(text != NULL, "out of memory");
	memcpy(text, data, size);
	text[size] = '\0';
	for (const char *p = text; *p != '\0'; p++)
		lines += *p == '\n';
	theme_default(&t);
	before = t;
	err[0] = '\0';
	if (theme_parse(&t, text, err, sizeof(err)) == 0)
		check_loaded(&t);
	else {
		FUZZ_CHECK(sscanf(err, "line %d:", &line) == 1 && line >= 1 && line <= lines,
		    "refusal '%s' (%d lines)", err, lines);
		FUZZ_CHECK(memcmp(&t, &before, sizeof(t)) == 0, "a refused theme changed it");
	}
	free(text);
	return 0;
}
