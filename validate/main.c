#include "validate_main.h"

int
main(int argc, char **argv)
{
	return validate_main(argc, argv);
}
