/*
 * Completion from the command table's templates (weechat's
 * hook_completion): each entry's `complete` string lists alternatives
 * separated by "||"; each alternative is one word per argument position,
 * either a literal or a provider "%(name)". An alternative applies when the
 * words typed so far match its earlier positions (a provider matches any
 * word); its word at the current position supplies the candidates.
 */
#include <stdio.h>
#include <string.h>

#include "ui/cmd.h"
#include "ui/ui.h"

#define TEMPLATE_WORDS 8

struct sink {
	const char *prefix;
	void (*add)(void *ud, const char *cand);
	void *ud;
};

static void
offer(struct sink *k, const char *cand)
{
	if (strncmp(cand, k->prefix, strlen(k->prefix)) == 0)
		k->add(k->ud, cand);
}

static void
provide(struct ui *ui, const char *name, struct sink *k)
{
	if (strcmp(name, "commands") == 0) {
		for (size_t i = 0; cmd_table[i] != NULL; i++)
			offer(k, cmd_table[i]->name);
	} else if (strcmp(name, "log_levels") == 0) {
		for (int l = 0; l < LOG_LEVEL_COUNT; l++) {
			char low[16];

			snprintf(low, sizeof(low), "%s", log_level_name((enum log_level)l));
			for (char *c = low; *c != '\0'; c++)
				*c = (char)(*c | 0x20);
			offer(k, low);
		}
	} else if (strcmp(name, "presets") == 0) {
		for (size_t i = 0; delay_preset_names[i] != NULL; i++)
			offer(k, delay_preset_names[i]);
	} else if (strcmp(name, "themes") == 0) {
		char names[64][64];
		size_t n = theme_list(names, 64);

		for (size_t i = 0; i < n; i++)
			offer(k, names[i]);
	} else if (strcmp(name, "bots") == 0) {
		struct script_info info;

		for (int i = 0; script_host_info(app_scripts(ui->app), i, &info); i++)
			offer(k, info.name);
	} else if (strcmp(name, "faults") == 0) {
		cmd_sim_fetch(ui);
		for (size_t i = 0; i < ui->nfaults; i++)
			offer(k, ui->faults[i].name);
	}
}

/* Splits one alternative into words (in place, on spaces). */
static int
template_words(char *alt, char **words)
{
	int n = 0;

	while (*alt != '\0' && n < TEMPLATE_WORDS) {
		while (*alt == ' ')
			*alt++ = '\0';
		if (*alt == '\0')
			break;
		words[n++] = alt;
		alt += strcspn(alt, " ");
	}
	return n;
}

static bool
is_provider(const char *w)
{
	return strncmp(w, "%(", 2) == 0 && w[strlen(w) - 1] == ')';
}

static void
complete_alt(struct ui *ui, char *alt, int nwords, char **typed, struct sink *k)
{
	char *words[TEMPLATE_WORDS];
	int n = template_words(alt, words), pos = nwords - 1;

	if (pos >= n)
		return;
	for (int i = 0; i < pos; i++)
		if (!is_provider(words[i]) && strcmp(words[i], typed[i + 1]) != 0)
			return;
	if (is_provider(words[pos])) {
		char name[32];

		snprintf(name, sizeof(name), "%.*s", (int)strlen(words[pos]) - 3, words[pos] + 2);
		provide(ui, name, k);
	} else {
		offer(k, words[pos]);
	}
}

void
cmd_complete(struct ui *ui, int nwords, char **words, const char *prefix,
    void (*add)(void *ud, const char *cand), void *ud)
{
	struct sink k = { .prefix = prefix, .add = add, .ud = ud };
	const struct cmd_entry *e;
	char tmpl[256];
	char *rest, *alt;

	if (nwords == 0) {
		provide(ui, "commands", &k);
		return;
	}
	if ((e = cmd_find(words[0])) == NULL || e->complete == NULL)
		return;
	snprintf(tmpl, sizeof(tmpl), "%s", e->complete);
	for (rest = tmpl; rest != NULL; rest = alt) {
		alt = strstr(rest, "||");
		if (alt != NULL) {
			*alt = '\0';
			alt += 2;
		}
		complete_alt(ui, rest, nwords, words, &k);
	}
}
