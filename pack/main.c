#include "pack_main.h"

int
main(int argc, char **argv)
{
	return pack_main(argc, argv);
}
