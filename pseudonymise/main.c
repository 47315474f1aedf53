#include "pseudonymise.h"

int
main(int argc, char **argv)
{
	return pseudonymise_main(argc, argv);
}
