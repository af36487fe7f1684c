/*
 * systemd's Type=notify (net/sdnotify.h), from the loop's turn and nowhere
 * else: READY=1 once the gateway is first Connected (READY or RESUMED),
 * STATUS= whenever the one-line summary changes, WATCHDOG=1 every half
 * WatchdogSec, so a wedged loop stops the pings and systemd restarts it,
 * STOPPING=1 on quit.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "app/app-internal.h"

void
app_notify_start(struct app *a)
{
	char err[160];

	if (sdnotify_open(&a->notify, err, sizeof(err)) < 0) {
		LOGF(app_log(a), LOG_WARN, "systemd", "%s", err);
		return;
	}
	if (!sdnotify_active(&a->notify))
		return;
	if (a->notify.watchdog_ms > 0)
		a->watchdog_next = loop_now().mono_ms;
	LOGF(app_log(a), LOG_INFO, "systemd", "notify socket set%s", a->notify.watchdog_ms > 0 ?
	    ", watchdog on" : "");
}

static void
notify(struct app *a, const char *msg)
{
	if (sdnotify_send(&a->notify, msg) < 0)
		LOGF(app_log(a), LOG_DEBUG, "systemd", "notify: %s", strerror(errno));
}

/* The summary systemctl status shows. */
static void
summary(struct app *a, char *buf, size_t len)
{
	char why[BOT_REASON_MAX + 64];

	if (app_ready(a, why, sizeof(why)))
		snprintf(buf, len, "Connected to %s as %s", a->label,
		    app_worst(a)->user[0] != '\0' ? app_worst(a)->user : "?");
	else
		snprintf(buf, len, "%s", why);
}

void
app_notify_turn(struct app *a, struct vtime now)
{
	char status[sizeof(a->notify_status)], msg[sizeof(status) + 32];
	bool ready_now;

	if (!sdnotify_active(&a->notify))
		return;
	ready_now = !a->notify_ready && app_worst(a)->state == BOT_CONNECTED;
	summary(a, status, sizeof(status));
	if (ready_now || strcmp(status, a->notify_status) != 0) {
		snprintf(msg, sizeof(msg), "%sSTATUS=%s", ready_now ? "READY=1\n" : "", status);
		notify(a, msg);
		memcpy(a->notify_status, status, sizeof(status));
		a->notify_ready = a->notify_ready || ready_now;
	}
	if (a->watchdog_next != VTIME_NEVER && now.mono_ms >= a->watchdog_next) {
		notify(a, "WATCHDOG=1");
		a->watchdog_next = now.mono_ms + a->notify.watchdog_ms / 2;
	}
}

void
app_notify_stopping(struct app *a)
{
	notify(a, "STOPPING=1\nSTATUS=stopping: closing the session");
	a->watchdog_next = VTIME_NEVER;
}
