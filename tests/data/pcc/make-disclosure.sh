#!/bin/sh
# Writes disclosure.csv on standard output: the fixture of the disclosure
# control cases, as counts per (LA, kind), one client and one episode per
# count (NOTES.md, "disclosure.csv", works the figures out).  Kept so the
# fixture can be read as the grid it was made from, and remade.
#
#   ref LA RFLS N      N episodes referred in 2026Q2 by source RFLS; no
#                      intervention, not discharged, CJORDER 9
#   exit LA DISRSN N   N probation (RFLS 8) episodes triaged 10/05/2026
#                      and discharged in 2026Q2: 85 on 15/07/2026 (66
#                      days: early), 83 on 20/08/2026 (a transfer)
set -eu
awk '
BEGIN {
	OFS = ","
	pc["E06000001"] = "TS24 7QS"; pc["E06000002"] = "TS1 3QY"
	pc["E06000003"] = "TS10 1AA"; pc["E06000004"] = "TS18 2AB"
	print "AGNCY,CLIENTID,FINITIAL,SINITIAL,DOB,SEX,ETHNIC,NATION,LA," \
	    "PC,CONSENT,EPISODID,REFLD,TRIAGED,RFLS,DRUG1,DRUG2,DRUG3,ROUTE," \
	    "INJSTAT,ACCMNEED,EMPSTAT,PRNTSTAT,PREGNANT,CJORDER,PRISREL," \
	    "DISD,DISRSN,MODID,MODAL,MODSET,REFMODDT,MODST,MODEND,MODEXIT"
}
function row(la, refld, triaged, rfls, disd, disrsn,   dob) {
	k++
	dob = sprintf("%02d/%02d/%d", 1 + k % 28, 1 + int(k / 28) % 12,
	    1970 + int(k / 336))
	print "N0001", "D" k, "X", "Y", dob, "M", "A", "GBR", la, pc[la],
	    "Y", "E" k, refld, triaged, rfls, "1011", "", "", "3", "N", "3",
	    "12", "14", "", "9", "", disd, disrsn, "", "", "", "", "", "", ""
}
$1 == "ref" {
	for (i = 0; i < $4; i++)
		row($2, "01/08/2026", "03/08/2026", $3, "", "")
}
$1 == "exit" {
	for (i = 0; i < $4; i++)
		row($2, "01/05/2026", "10/05/2026", "8",
		    $3 == "85" ? "15/07/2026" : "20/08/2026", $3)
}
' <<'GRID'
ref E06000001 5 3
ref E06000001 6 20
ref E06000002 5 10
ref E06000002 6 12
ref E06000002 8 6
ref E06000003 31 15
ref E06000004 5 9
ref E06000004 31 7
exit E06000001 85 3
exit E06000001 83 7
exit E06000002 85 6
exit E06000002 83 2
exit E06000003 83 4
GRID
