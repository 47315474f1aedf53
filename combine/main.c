#include "combine.h"

int
main(int argc, char **argv)
{
	return combine_main(argc, argv);
}
