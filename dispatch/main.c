#include "ndx.h"

int
main(int argc, char **argv)
{
	return ndx_main(argc, argv);
}
