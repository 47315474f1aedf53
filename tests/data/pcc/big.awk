# A large valid-looking CSV for timing the PCC return (PCC_BIG in
# tests/e2e/test_pcc.sh): -v ROWS=N rows of persons seen at one or two
# agencies, 1-2 episodes each, 0-3 interventions each, with CJ sources
# and requirements, prison releases, discharges of every class, HAT, and
# a fifth of clients outside Cleveland.  Fixed seed: the same every run.
# A few rows have dates after the data cut and are rejected: the
# validator's work, not the transform's.
function day(n,   m, dd) {	# day n of 2026 (0 = 1 January), DD/MM/YYYY
	m = 1
	dd = n
	while (dd >= ml[m]) {
		dd -= ml[m]
		m++
	}
	return sprintf("%02d/%02d/2026", dd + 1, m)
}
function pick(a, n) {
	return a[1 + int(rand() * n)]
}
BEGIN {
	srand(42)
	OFS = ","
	split("31 28 31 30 31 30 31 31 30 31 30 31", ml, " ")
	split("E06000001 E06000002 E06000003 E06000004 E06000005", las, " ")
	split("TS24 7QS|TS1 3QY|TS10 1AA|TS18 2AB|DL1 1AA", pcs, "|")
	split("4 3 9 5 6 8 13 30 31 32 33", rfls, " ")
	split("1011 7000 3200 5000 1105 3201", drugs, " ")
	split("94 95 96 97", modals, " ")
	split("80 81 82 83 84 85 86 88 89", reasons, " ")
	print "AGNCY,CLIENTID,FINITIAL,SINITIAL,DOB,SEX,ETHNIC,NATION,LA,PC," \
	    "CONSENT,EPISODID,REFLD,TRIAGED,RFLS,DRUG1,DRUG2,DRUG3,ROUTE," \
	    "INJSTAT,ACCMNEED,EMPSTAT,PRNTSTAT,PREGNANT,CJORDER,PRISREL,DISD," \
	    "DISRSN,MODID,MODAL,MODSET,REFMODDT,MODST,MODEND,MODEXIT"
	while (rows < ROWS) {
		p++
		fi = sprintf("%c", 65 + p % 26)
		si = sprintf("%c", 65 + int(p / 26) % 26)
		dob = sprintf("%02d/%02d/%d", 1 + int(p / 676) % 28,
		    1 + int(p / 18928) % 12, 1950 + int(p / 227136) % 50)
		nag = rand() < 0.2 ? 2 : 1
		for (a = 0; a < nag && rows < ROWS; a++) {
			ag = sprintf("N%04d", 1 + int(rand() * 9))
			if (a == 1 && ag == lastag)
				ag = "N0010"
			lastag = ag
			li = 1 + int(rand() * 5)
			nep = rand() < 0.3 ? 2 : 1
			start = int(rand() * 200)
			for (e = 0; e < nep && rows < ROWS; e++)
				episode()
		}
	}
}
function episode(   rf, d1, d2, tri, refld, cjo, pris, niv, dis, disd,
    disrsn, route, v, st, en, ex, iv) {
	ep++
	rf = pick(rfls, 11)
	d1 = pick(drugs, 6)
	d2 = rand() < 0.3 ? (d1 == "7000" ? "5000" : "7000") : ""
	tri = start + e * 60
	refld = tri - int(rand() * 5)
	if (refld < 0)
		refld = 0
	cjo = rand() < 0.15 ? 1 + int(rand() * 4) : 9
	if (cjo == 2 && d1 != "7000" && d2 != "7000")
		cjo = 9
	pris = rf == "13" ? day(tri + int(rand() * 20)) : ""
	niv = int(rand() * 4)
	dis = rand() < 0.4 && tri + 50 < 290
	disd = dis ? tri + 50 : -1
	disrsn = dis ? pick(reasons, 9) : ""
	if (disrsn == "81" && d1 != "7000" && d2 != "7000")
		disrsn = "80"
	if (disrsn == "82" && (d1 == "1011" || d1 == "1105" || d1 == "3201"))
		disrsn = "80"
	route = d1 == "7000" ? "" : "3"
	for (v = 0; v < (niv ? niv : 1) && rows < ROWS; v++) {
		iv = ",,,,,,"
		if (niv) {
			st = tri + v * 5
			en = ex = ""
			if (dis) {
				en = day(disd)
				ex = rand() < 0.5 ? "A" : "B"
			} else if (rand() < 0.3) {
				en = day(st + 20 + int(rand() * 40))
				ex = rand() < 0.5 ? "A" : "C"
			}
			iv = "M" v "," pick(modals, 4) ",1," day(st) "," day(st) \
			    "," en "," ex
		}
		print ag, "C" p "-" a, fi, si, dob, "M", "A", "GBR", las[li],
		    pcs[li], "Y", "E" ep, day(refld), day(tri), rf, d1, d2, "",
		    route, "N", "3", "12", "14", "", cjo, pris,
		    dis ? day(disd) : "", disrsn, iv
		rows++
	}
}
