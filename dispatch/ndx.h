/* ndx: runs "ndx STAGE ARGS..." as ndx-STAGE (see ndx.c). */
#ifndef NDX_DISPATCH_NDX_H
#define NDX_DISPATCH_NDX_H

int ndx_main(int, char **);

#endif
