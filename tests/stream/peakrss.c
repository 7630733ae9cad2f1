/*
 * peakrss: runs a command and prints its peak resident set size in KiB on
 * standard error ("peakrss: N"), then exits with the command's status.
 * A few lines instead of /usr/bin/time, which a minimal system lacks.
 *
 *   peakrss COMMAND [ARG]...
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct rusage ru;
	pid_t pid;
	int status;

	if (argc < 2) {
		fprintf(stderr, "usage: peakrss COMMAND [ARG]...\n");
		return 2;
	}
	if ((pid = fork()) == -1) {
		perror("peakrss: fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) == -1) {
		perror("peakrss: wait4");
		return 2;
	}
	fprintf(stderr, "peakrss: %ld\n", ru.ru_maxrss);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
