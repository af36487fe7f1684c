/* Children killed at exit: see children.h. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "children.h"

static pid_t children[CHILDREN_MAX];

static void
kill_children(void)
{
	for (int i = 0; i < CHILDREN_MAX; i++) {
		if (children[i] > 0) {
			kill(children[i], SIGCONT);
			kill(children[i], SIGKILL);
			waitpid(children[i], NULL, 0);
			children[i] = 0;
		}
	}
}

void
children_remember(pid_t pid, bool add)
{
	static bool registered;

	if (!registered) {
		atexit(kill_children);
		registered = true;
	}
	for (int i = 0; i < CHILDREN_MAX; i++) {
		if (add && children[i] == 0) {
			children[i] = pid;
			return;
		}
		if (!add && children[i] == pid)
			children[i] = 0;
	}
}
