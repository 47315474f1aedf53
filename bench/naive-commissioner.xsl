<?xml version="1.0" encoding="UTF-8"?>
<!--
  The peer of ndx-transform's commissioner product in `make bench`: the
  commissioner CSV (dataset.md section 1 and R130) made the plain XSLT
  way, a for-each over the valid episodes XML with xsltproc, which holds
  the whole input tree in memory.

    xsltproc -o commissioner.csv bench/naive-commissioner.xsl valid.xml

  Its output is ndx's byte for byte (bench/run.sh compares them on every
  run): the header unquoted, every value double-quoted, dates as
  DD/MM/YYYY, one row per intervention, and one row of AGNCY, CLIENTID,
  CONSENT and EPISODID alone for an episode of a client with CONSENT = N.
  One concat() a row: a named template called per value took 1.6 times
  as long.  Quotes inside values are not doubled: the XSD's patterns and
  code lists allow none in valid episodes.  An episode without
  interventions (which the XSD does not allow) gets no row here.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:e="urn:ndx:episodes:1">
  <xsl:output method="text" encoding="UTF-8"/>

  <xsl:variable name="nl" select="'&#10;'"/>
  <xsl:variable name="q">"</xsl:variable>
  <xsl:variable name="sep">","</xsl:variable>

  <xsl:template match="/">
    <xsl:text>AGNCY,CLIENTID,FINITIAL,SINITIAL,DOB,SEX,ETHNIC,NATION,LA,PC,CONSENT,EPISODID,REFLD,TRIAGED,RFLS,DRUG1,DRUG2,DRUG3,ROUTE,INJSTAT,ACCMNEED,EMPSTAT,PRNTSTAT,PREGNANT,CJORDER,PRISREL,DISD,DISRSN,MODID,MODAL,MODSET,REFMODDT,MODST,MODEND,MODEXIT&#10;</xsl:text>
    <xsl:for-each select="e:episodes/e:client">
      <xsl:variable name="c" select="."/>
      <xsl:for-each select="e:episode">
        <xsl:variable name="ep" select="."/>
        <xsl:choose>
          <xsl:when test="$c/e:CONSENT = 'N'">
            <xsl:value-of select="concat($q, $c/e:AGNCY, $sep,
                $c/e:CLIENTID, $sep, $sep, $sep, $sep, $sep, $sep, $sep,
                $sep, $sep, 'N', $sep, $ep/e:EPISODID, $sep, $sep, $sep,
                $sep, $sep, $sep, $sep, $sep, $sep, $sep, $sep, $sep,
                $sep, $sep, $sep, $sep, $sep, $sep, $sep, $sep, $sep,
                $sep, $sep, $q, $nl)"/>
          </xsl:when>
          <xsl:otherwise>
            <xsl:for-each select="e:intervention">
              <xsl:variable name="iv" select="."/>
              <!-- substring(date, 1, 10 * boolean(d)): empty when the
                   date d is absent. -->
              <xsl:value-of select="concat($q,
              $c/e:AGNCY, $sep,
              $c/e:CLIENTID, $sep,
              $c/e:FINITIAL, $sep,
              $c/e:SINITIAL, $sep,
              substring(concat(substring($c/e:DOB, 9, 2), '/',
                  substring($c/e:DOB, 6, 2), '/',
                  substring($c/e:DOB, 1, 4)), 1, 10 * boolean($c/e:DOB)), $sep,
              $c/e:SEX, $sep,
              $c/e:ETHNIC, $sep,
              $c/e:NATION, $sep,
              $c/e:LA, $sep,
              $c/e:PC, $sep,
              $c/e:CONSENT, $sep,
              $ep/e:EPISODID, $sep,
              substring(concat(substring($ep/e:REFLD, 9, 2), '/',
                  substring($ep/e:REFLD, 6, 2), '/',
                  substring($ep/e:REFLD, 1, 4)), 1, 10 * boolean($ep/e:REFLD)), $sep,
              substring(concat(substring($ep/e:TRIAGED, 9, 2), '/',
                  substring($ep/e:TRIAGED, 6, 2), '/',
                  substring($ep/e:TRIAGED, 1, 4)), 1, 10 * boolean($ep/e:TRIAGED)), $sep,
              $ep/e:RFLS, $sep,
              $ep/e:DRUG1, $sep,
              $ep/e:DRUG2, $sep,
              $ep/e:DRUG3, $sep,
              $ep/e:ROUTE, $sep,
              $ep/e:INJSTAT, $sep,
              $ep/e:ACCMNEED, $sep,
              $ep/e:EMPSTAT, $sep,
              $ep/e:PRNTSTAT, $sep,
              $ep/e:PREGNANT, $sep,
              $ep/e:CJORDER, $sep,
              substring(concat(substring($ep/e:PRISREL, 9, 2), '/',
                  substring($ep/e:PRISREL, 6, 2), '/',
                  substring($ep/e:PRISREL, 1, 4)), 1, 10 * boolean($ep/e:PRISREL)), $sep,
              substring(concat(substring($ep/e:DISD, 9, 2), '/',
                  substring($ep/e:DISD, 6, 2), '/',
                  substring($ep/e:DISD, 1, 4)), 1, 10 * boolean($ep/e:DISD)), $sep,
              $ep/e:DISRSN, $sep,
              $iv/e:MODID, $sep,
              $iv/e:MODAL, $sep,
              $iv/e:MODSET, $sep,
              substring(concat(substring($iv/e:REFMODDT, 9, 2), '/',
                  substring($iv/e:REFMODDT, 6, 2), '/',
                  substring($iv/e:REFMODDT, 1, 4)), 1, 10 * boolean($iv/e:REFMODDT)), $sep,
              substring(concat(substring($iv/e:MODST, 9, 2), '/',
                  substring($iv/e:MODST, 6, 2), '/',
                  substring($iv/e:MODST, 1, 4)), 1, 10 * boolean($iv/e:MODST)), $sep,
              substring(concat(substring($iv/e:MODEND, 9, 2), '/',
                  substring($iv/e:MODEND, 6, 2), '/',
                  substring($iv/e:MODEND, 1, 4)), 1, 10 * boolean($iv/e:MODEND)), $sep,
              $iv/e:MODEXIT,
              $q, $nl)"/>
            </xsl:for-each>
          </xsl:otherwise>
        </xsl:choose>
      </xsl:for-each>
    </xsl:for-each>
  </xsl:template>
</xsl:stylesheet>
