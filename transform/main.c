#include "transform.h"

int
main(int argc, char **argv)
{
	return transform_main(argc, argv);
}
