/* ndx-run: the whole pipeline for one period (see run.c). */
#ifndef NDX_RUN_RUN_H
#define NDX_RUN_RUN_H

int run_main(int, char **);

#endif
