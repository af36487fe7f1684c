/*
 * The operator's alerts outside the pane: the terminal (tmux pane) title
 * and the bell. In tmux the title is the pane title (#{pane_title}, shown by
 * pane-border-format and set-titles), and a bell in a hidden window raises
 * tmux's window flag and monitor-bell alert; both can be turned off with
 * --no-title / --no-bell.
 *
 * The title goes out through terminfo's tsl/fsl when the terminal has a
 * status line (tmux-256color), else as OSC 0 where that is understood
 * (tmux, screen, xterm). It changes only with the state, never per second,
 * so tmux does not redraw its status line every tick.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui/ui.h"

static bool
osc_ok(void)
{
	const char *term = getenv("TERM");

	if (getenv("TMUX") != NULL)
		return true;
	return term != NULL && (strncmp(term, "xterm", 5) == 0 || strncmp(term, "screen", 6) == 0 ||
	    strncmp(term, "tmux", 4) == 0 || strncmp(term, "rxvt", 4) == 0);
}

static void
emit_title(const char *text)
{
	char *tsl = tigetstr("tsl"), *fsl = tigetstr("fsl");

	if (tsl != NULL && tsl != (char *)-1 && fsl != NULL && fsl != (char *)-1) {
		putp(tiparm(tsl, 0));
		fputs(text, stdout);
		putp(fsl);
	} else if (osc_ok()) {
		printf("\033]0;%s\007", text);
	} else {
		return;
	}
	fflush(stdout);
}

/* "vigil: Resuming #3", "vigil: Connected", "vigil: stopped (4004 ...)". */
/* Several shards: the title follows the worst of them. */
static void
fleet_title(const struct ui *ui, char *buf, size_t len)
{
	const struct grid_model *m = &ui->grid;
	enum bot_state worst;
	int rank = view_grid_worst(m, &worst);

	if (rank == 0)
		snprintf(buf, len, "vigil: %d/%d Connected", m->counts[BOT_CONNECTED], m->nshards);
	else
		snprintf(buf, len, "vigil: %d/%d Connected, worst %s", m->counts[BOT_CONNECTED],
		    m->nshards, m->stopped > 0 ? "stopped" : bot_state_name(worst));
}

static void
title_text(const struct ui *ui, char *buf, size_t len)
{
	const struct bot_snapshot *v = &ui->view;

	if (ui->grid.nshards > 1)
		fleet_title(ui, buf, len);
	else if (v->stopped)
		snprintf(buf, len, "vigil: stopped (%s)", v->stop_reason);
	else if (v->state != BOT_CONNECTED && v->attempt > 0)
		snprintf(buf, len, "vigil: %s #%d", bot_state_name(v->state), v->attempt);
	else
		snprintf(buf, len, "vigil: %s", bot_state_name(v->state));
}

void
title_update(struct ui *ui)
{
	char text[sizeof(ui->title)];

	if (!ui->opts.title)
		return;
	title_text(ui, text, sizeof(text));
	if (strcmp(text, ui->title) == 0)
		return;
	snprintf(ui->title, sizeof(ui->title), "%s", text);
	emit_title(text);
}

void
title_bell(struct ui *ui)
{
	if (!ui->opts.bell)
		return;
	beep();
}

/* Leaves the pane with tmux's default title, the host name. */
void
title_restore(struct ui *ui)
{
	char host[256];

	if (!ui->opts.title || ui->title[0] == '\0')
		return;
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "vigil");
	host[sizeof(host) - 1] = '\0';
	emit_title(host);
}
