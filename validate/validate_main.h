#ifndef NDX_VALIDATE_MAIN_H
#define NDX_VALIDATE_MAIN_H

/* ndx-validate's entry point, callable in-process by tests and fuzzers. */
int validate_main(int argc, char **argv);

#endif
