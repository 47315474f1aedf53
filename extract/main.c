/* ndx-extract: the work is in extract.c, so tests can run it in-process. */
#include "extract.h"

int
main(int argc, char **argv)
{
	return extract_main(argc, argv);
}
