#ifndef NDX_PACK_MAIN_H
#define NDX_PACK_MAIN_H

/* ndx-pack's entry point, callable in-process by tests and fuzzers. */
int pack_main(int argc, char **argv);

#endif
