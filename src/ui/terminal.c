/*
 * Owning the terminal, and giving it back whatever happens.
 *
 * While curses is up nothing else may write to it: fd 2 goes to
 * stderr.log in the state directory (htop's redirectStderr) and is copied
 * back to the real stderr after endwin, so a library's complaint is kept,
 * not painted over the panes. A crash (SIGSEGV, SIGBUS, SIGABRT, SIGFPE,
 * SIGILL) runs endwin before the signal is re-raised with its default
 * action, so the shell never inherits a raw terminal; atexit covers exit()
 * from anywhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ui/terminal.h"

/* The terminal is one per process: so is the record of how to restore it. */
static int saved_stderr = -1;
static char stderr_path[4096];
static volatile sig_atomic_t curses_up;

int
terminal_redirect_stderr(const char *dir)
{
	int fd;

	if (dir == NULL || *dir == '\0')
		return -1;
	(void)mkdir(dir, 0700);
	if ((size_t)snprintf(stderr_path, sizeof(stderr_path), "%s/stderr.log", dir) >=
	    sizeof(stderr_path))
		return -1;
	fflush(stderr);
	fd = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	saved_stderr = dup(STDERR_FILENO);
	if (saved_stderr < 0 || dup2(fd, STDERR_FILENO) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Puts fd 2 back and copies what was written meanwhile to it. */
void
terminal_restore_stderr(void)
{
	char buf[4096];
	ssize_t n;
	int fd;

	if (saved_stderr < 0)
		return;
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	saved_stderr = -1;
	if ((fd = open(stderr_path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(STDERR_FILENO, buf, (size_t)n) != n)
			break;
	close(fd);
}

void
terminal_end(void)
{
	if (curses_up && !isendwin())
		endwin();
	curses_up = 0;
}

static void
on_crash(int sig)
{
	/* endwin is not async-signal-safe; after a crash it is still the best
	 * bet, and the default action follows at once. */
	terminal_end();
	if (saved_stderr >= 0)
		dup2(saved_stderr, STDERR_FILENO);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
at_exit(void)
{
	terminal_end();
}

void
terminal_guard(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	if (!curses_up)
		atexit(at_exit);
	curses_up = 1;
}

void
terminal_unguard(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL };

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
}

/* Mouse reporting (SGR, 1006) for the wheel; off again at exit. */
void
terminal_mouse(bool on)
{
	fputs(on ? "\033[?1000h\033[?1006h" : "\033[?1006l\033[?1000l", stdout);
	fflush(stdout);
}
