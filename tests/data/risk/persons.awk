# Pseudonymised episodes of ROWS rows for the disclosure risk at scale:
# ROWS / 2 persons of one episode with two interventions each, their
# quasi-identifiers spread over a few thousand combinations.
# Usage: awk -v ROWS=N -f persons.awk > pseudo.xml
BEGIN {
	eth = "ABCDEFGHJKLMNPRSZ"
	print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	print "<pseudonymised-episodes dataset=\"1\" asof=\"2026-11-05\" " \
	    "period=\"2026-10\" start=\"2026-04-01\" end=\"2026-10-31\" " \
	    "source=\"csv\" xmlns=\"urn:ndx:episodes:1\">"
	for (i = 0; i < ROWS / 2; i++) {
		age = 18 + i % 47
		band = age < 25 ? "18-24" : age < 30 ? "25-29" : age < 35 ? \
		    "30-34" : age < 40 ? "35-39" : age < 45 ? "40-44" : \
		    age < 50 ? "45-49" : age < 55 ? "50-54" : "55-64"
		printf "<client><AGNCY>N0852</AGNCY>" \
		    "<PSEUDO_CLIENT>%032x</PSEUDO_CLIENT>" \
		    "<SEX>%s</SEX><ETHNIC>%s</ETHNIC><LA>E0600000%d</LA>" \
		    "<PC_DISTRICT>TS%d</PC_DISTRICT><CONSENT>Y</CONSENT>\n",
		    i * 7919, i % 2 ? "M" : "F",
		    substr(eth, 1 + int(i / 3) % 17, 1), 1 + i % 4, i % 29
		printf "<episode><PSEUDO_EPISODE>%032x</PSEUDO_EPISODE>" \
		    "<AGE_AT_TRIAGE>%d</AGE_AT_TRIAGE><AGE_BAND>%s</AGE_BAND>" \
		    "<REFLD>2026-04-01</REFLD><TRIAGED>2026-04-02</TRIAGED>" \
		    "<RFLS>4</RFLS><DRUG1>7000</DRUG1>" \
		    "<SUBSTANCE_GROUP>alcohol_only</SUBSTANCE_GROUP>" \
		    "<INJSTAT>N</INJSTAT><ACCMNEED>1</ACCMNEED>" \
		    "<EMPSTAT>6</EMPSTAT><PRNTSTAT>15</PRNTSTAT>" \
		    "<CJORDER>2</CJORDER>\n", i, age, band
		for (j = 1; j <= 2; j++)
			printf "<intervention line=\"%d\"><MODID>M%d</MODID>" \
			    "<MODAL>95</MODAL><MODSET>1</MODSET>" \
			    "<REFMODDT>2026-04-02</REFMODDT>" \
			    "<MODST>2026-04-03</MODST></intervention>\n",
			    2 * i + j + 1, j
		print "</episode></client>"
	}
	print "</pseudonymised-episodes>"
}
