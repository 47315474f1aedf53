# Expands a grid of hand-worked figures (*.want beside this file) into the
# long CSV layout of metrics.md, so the expectation is written as a table
# a person can check and the comparison is with the product byte for byte.
#
#   measure NAME BREAKDOWN...    starts a measure
#   CODE VALUE...                one area row, values in breakdown order;
#                                "-" stands for an empty value
#
# Lines starting with "#" are comments.  -v period=LABEL.  Area names are
# those of Cleveland (dataset.md §4); TOTAL's is the force area's.
BEGIN {
	name["E06000001"] = "Hartlepool"
	name["E06000002"] = "Middlesbrough"
	name["E06000003"] = "Redcar and Cleveland"
	name["E06000004"] = "Stockton-on-Tees"
	name["TOTAL"] = "Cleveland"
	print "period,area_code,area_name,measure,breakdown,value"
}
/^#/ || NF == 0 { next }
$1 == "measure" {
	m = $2
	n = NF - 2
	for (i = 3; i <= NF; i++)
		b[i - 2] = $i
	next
}
{
	if (NF - 1 != n || !($1 in name)) {
		printf "%s:%d: bad grid line\n", FILENAME, NR >"/dev/stderr"
		exit 1
	}
	for (i = 2; i <= NF; i++)
		printf "%s,%s,%s,%s,%s,%s\n", period, $1, name[$1], m,
		    b[i - 1], $i == "-" ? "" : $i
}
