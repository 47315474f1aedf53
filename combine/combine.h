/* ndx-combine (see combine.c). */
#ifndef NDX_COMBINE_H
#define NDX_COMBINE_H

/* The entry point, callable in-process by tests. */
int combine_main(int, char **);

#endif
