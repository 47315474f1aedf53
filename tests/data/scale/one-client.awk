# One client with many rows (tests/e2e/test_scale.sh): -v ROWS=N rows in
# -v EPISODES=K episodes (default 1) of about N/K interventions each.
# Valid as of 2026-11-01 with --area Cleveland: the episodes follow one
# another, each discharged on the day the next is triaged, and only the
# last is open; every intervention of an episode has its own MODID.
# Deterministic, and quick (dates are made once per day, not per row).
function day(n,   y, m, dd) {	# day n from 1 January 2000, DD/MM/YYYY
	if (n in dmy)
		return dmy[n]
	dd = n
	for (y = 2000; dd >= (y % 4 ? 365 : 366); y++)
		dd -= y % 4 ? 365 : 366
	ml[2] = y % 4 ? 28 : 29
	for (m = 1; dd >= ml[m]; m++)
		dd -= ml[m]
	return dmy[n] = sprintf("%02d/%02d/%d", dd + 1, m, y)
}
BEGIN {
	OFS = ","
	if (EPISODES < 1)
		EPISODES = 1
	split("31 28 31 30 31 30 31 31 30 31 30 31", ml, " ")
	split("94 95 96 97", modals, " ")
	print "AGNCY,CLIENTID,FINITIAL,SINITIAL,DOB,SEX,ETHNIC,NATION,LA,PC," \
	    "CONSENT,EPISODID,REFLD,TRIAGED,RFLS,DRUG1,DRUG2,DRUG3,ROUTE," \
	    "INJSTAT,ACCMNEED,EMPSTAT,PRNTSTAT,PREGNANT,CJORDER,PRISREL,DISD," \
	    "DISRSN,MODID,MODAL,MODSET,REFMODDT,MODST,MODEND,MODEXIT"
	client = "N0852,C1,J,S,07/03/1980,M,A,GBR,E06000002,TS1 3QY,Y"
	# Triaged from 1 January 2010 (day 3653) over 6000 days, the last by
	# June 2026; an episode is discharged on the day the next one is
	# triaged (a shared boundary day is no overlap), its interventions
	# start in between.  The last one's start within 100 days.
	per = int(ROWS / EPISODES)
	for (e = 0; e < EPISODES; e++) {
		tri = 3653 + int(e * 6000 / EPISODES)
		dis = 3653 + int((e + 1) * 6000 / EPISODES)
		last = e == EPISODES - 1
		n = last ? ROWS - e * per : per
		window = last ? 100 : dis > tri ? dis - tri : 1
		end = last ? "," : day(dis) ",A"
		ep = "EP-" (e + 1) "," day(tri - 2) "," day(tri) \
		    ",4,1011,3201,,1,C,3,12,14,,9,," \
		    (last ? "," : day(dis) ",80")
		for (v = 0; v < n; v++) {
			st = day(tri + v % window)
			print client, ep, "M" (v + 1), modals[1 + v % 4], 1,
			    st, st, end
		}
	}
}
