<?xml version="1.0" encoding="UTF-8"?>
<!--
  The validation report as one HTML page a data officer can work through,
  on screen or on paper: totals, then the rules that found problems with
  what to do about each, then every problem grouped by rule, errors first.

  Input: ndx-validate's XML report (namespace urn:ndx:report:1): one
  <problem> per problem (attributes line, agncy, clientid, episodid,
  modid, field, rule, severity, value; the message as text; identifying
  values already masked), then <summary> with the counts and one <rule>
  per rule (id, severity, count, title, action).

  Self-contained on purpose: the page is mailed and archived, so it has
  its style inline, no script, and nothing fetched from anywhere.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:r="urn:ndx:report:1"
    exclude-result-prefixes="r">

  <xsl:output method="html" encoding="UTF-8" indent="yes"
      doctype-system="about:legacy-compat"/>

  <xsl:key name="problems" match="r:problem" use="@rule"/>
  <xsl:key name="rule" match="r:summary/r:rule" use="@id"/>

  <xsl:variable name="summary" select="/r:report/r:summary"/>
  <!-- Rules with problems, from the summary: finding each rule's first
       problem among the problems themselves (key(...)[1] per problem)
       costs time quadratic in the number of problems. -->
  <xsl:variable name="groups"
      select="$summary/r:rule[key('problems', @id)]"/>

  <xsl:template match="/r:report">
    <html lang="en-GB">
      <head>
        <title>
          <xsl:text>Validation report</xsl:text>
          <xsl:if test="@period">
            <xsl:text> for </xsl:text>
            <xsl:value-of select="@period"/>
          </xsl:if>
        </title>
        <style>
          <xsl:call-template name="style"/>
        </style>
      </head>
      <body>
        <header>
          <h1>
            <xsl:text>Validation report</xsl:text>
            <xsl:if test="@period">
              <xsl:text> for </xsl:text>
              <xsl:value-of select="@period"/>
            </xsl:if>
          </h1>
          <dl class="about">
            <xsl:if test="@asof">
              <dt>Data cut</dt>
              <dd>
                <xsl:call-template name="date">
                  <xsl:with-param name="iso" select="@asof"/>
                </xsl:call-template>
              </dd>
            </xsl:if>
            <xsl:if test="@input">
              <dt>Episodes file</dt>
              <dd><code><xsl:value-of select="@input"/></code></dd>
            </xsl:if>
            <dt>Dataset version</dt>
            <dd><xsl:value-of select="@dataset"/></dd>
          </dl>
        </header>
        <main>
          <xsl:apply-templates select="r:changes"/>
          <xsl:call-template name="totals"/>
          <xsl:call-template name="by-rule"/>
          <xsl:if test="$groups">
            <section>
              <h2>Problems</h2>
              <xsl:for-each select="$groups">
                <xsl:sort select="(@severity = 'warning') +
                    2 * (@severity != 'error' and @severity != 'warning')"
                    data-type="number"/>
                <xsl:sort select="@id"/>
                <xsl:for-each select="key('problems', @id)[1]">
                  <xsl:call-template name="group"/>
                </xsl:for-each>
              </xsl:for-each>
            </section>
          </xsl:if>
        </main>
        <footer>
          <h2>Reading this report</h2>
          <ul>
            <li>An <b>error</b> rejects the whole episode: every row of it
              is in the rejects file, in the layout of your export, and
              none of it is submitted. An error on a client's identity
              (R121) rejects all of that client's episodes.</li>
            <li>A <b>warning</b> is reported and the record is kept and
              submitted. Check it all the same.</li>
            <li><b>Line</b> is the line of your CSV export the record came
              from; it is empty when the source was not a CSV file.
              Agency, client, episode and intervention are the ids in your
              case-management system.</li>
            <li>Values of initials, date of birth and postcode are shown
              as *** so that the report can travel safely.</li>
          </ul>
        </footer>
      </body>
    </html>
  </xsl:template>

  <!-- ndx-run's month on month (changes.csv), first: what moved. -->
  <xsl:template match="r:changes">
    <section class="changes">
      <h2>Since the last submission</h2>
      <p>
        <xsl:choose>
          <xsl:when test="@since">
            <xsl:text>Against the run for </xsl:text>
            <xsl:value-of select="@since"/>
            <xsl:text>: </xsl:text>
            <b><xsl:value-of select="@added"/></b>
            <xsl:text> episodes added, </xsl:text>
            <b><xsl:value-of select="@changed"/></b>
            <xsl:text> changed, </xsl:text>
            <b><xsl:value-of select="@gone"/></b>
            <xsl:text> gone; </xsl:text>
          </xsl:when>
          <xsl:otherwise>
            <xsl:text>The first run of the financial year: every episode
              submitted is new (</xsl:text>
            <b><xsl:value-of select="@added"/></b>
            <xsl:text>); </xsl:text>
          </xsl:otherwise>
        </xsl:choose>
        <b><xsl:value-of select="@rejected"/></b>
        <xsl:text> rejected, </xsl:text>
        <b><xsl:value-of select="@outstanding"/></b>
        <xsl:text> of them rejected in an earlier period and still
          outstanding. </xsl:text>
        <code>changes.csv</code>
        <xsl:text> lists each episode, the items that changed, and the
          period each rejected episode was first rejected in.</xsl:text>
      </p>
    </section>
  </xsl:template>

  <!-- Episodes and rows, and what the run means for the submission. -->
  <xsl:template name="totals">
    <section class="totals">
      <h2>Totals</h2>
      <xsl:variable name="rejected"
          select="number($summary/@episodes-rejected)"/>
      <xsl:choose>
        <xsl:when test="$rejected &gt; 0">
          <p class="verdict verdict-rejected">
            <xsl:value-of select="$rejected"/>
            <xsl:text> of </xsl:text>
            <xsl:value-of select="$summary/@episodes-read"/>
            <xsl:text> episodes </xsl:text>
            <xsl:choose>
              <xsl:when test="$rejected = 1">was</xsl:when>
              <xsl:otherwise>were</xsl:otherwise>
            </xsl:choose>
            <xsl:text> rejected. Correct the errors below in the </xsl:text>
            <xsl:text>case-management system, then extract and </xsl:text>
            <xsl:text>validate again.</xsl:text>
          </p>
        </xsl:when>
        <xsl:otherwise>
          <p class="verdict verdict-valid">
            <xsl:text>No episode was rejected: all </xsl:text>
            <xsl:value-of select="$summary/@episodes-read"/>
            <xsl:text> are valid.</xsl:text>
            <xsl:if test="$groups">
              <xsl:text> Check the warnings below.</xsl:text>
            </xsl:if>
          </p>
        </xsl:otherwise>
      </xsl:choose>
      <table class="counts">
        <thead>
          <tr>
            <th scope="col"></th>
            <th scope="col">Read</th>
            <th scope="col">Valid</th>
            <th scope="col">Rejected</th>
            <th scope="col">Exact duplicates removed</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">Episodes</th>
            <td><xsl:value-of select="$summary/@episodes-read"/></td>
            <td><xsl:value-of select="$summary/@episodes-valid"/></td>
            <td><xsl:value-of select="$summary/@episodes-rejected"/></td>
            <td class="na">&#8211;</td>
          </tr>
          <tr>
            <th scope="row">Rows</th>
            <td><xsl:value-of select="$summary/@rows-read"/></td>
            <td><xsl:value-of select="$summary/@rows-written"/></td>
            <td><xsl:value-of select="$summary/@rows-rejected"/></td>
            <td><xsl:value-of select="$summary/@duplicates-removed"/></td>
          </tr>
        </tbody>
      </table>
    </section>
  </xsl:template>

  <!-- One line per rule that found something, errors first. -->
  <xsl:template name="by-rule">
    <section class="by-rule">
      <h2>Problems by rule</h2>
      <xsl:choose>
        <xsl:when test="not($groups)">
          <p>No problems were found.</p>
        </xsl:when>
        <xsl:otherwise>
          <table>
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Severity</th>
                <th scope="col" class="num">Problems</th>
                <th scope="col">What it checks</th>
                <th scope="col">What to do</th>
              </tr>
            </thead>
            <tbody>
              <xsl:for-each select="$groups">
                <xsl:sort select="(@severity = 'warning') +
                    2 * (@severity != 'error' and @severity != 'warning')"
                    data-type="number"/>
                <xsl:sort select="@id"/>
                <tr class="{@severity}">
                  <td><a href="#{@id}"><xsl:value-of select="@id"/></a></td>
                  <td><xsl:call-template name="severity"/></td>
                  <td class="num">
                    <xsl:value-of select="@count"/>
                  </td>
                  <td><xsl:value-of select="@title"/></td>
                  <td><xsl:value-of select="@action"/></td>
                </tr>
              </xsl:for-each>
            </tbody>
          </table>
        </xsl:otherwise>
      </xsl:choose>
    </section>
  </xsl:template>

  <!-- Context: the first problem of a rule. -->
  <xsl:template name="group">
    <xsl:variable name="rule" select="key('rule', @rule)"/>
    <!-- ndx-transform keeps the first problems of each rule only: the
         summary has the full count. -->
    <xsl:variable name="shown" select="count(key('problems', @rule))"/>
    <xsl:variable name="n" select="number($rule/@count)"/>
    <section class="rule {@severity}" id="{@rule}">
      <h3>
        <xsl:call-template name="severity"/>
        <xsl:text> </xsl:text>
        <xsl:value-of select="@rule"/>
        <xsl:if test="$rule/@title">
          <xsl:text>: </xsl:text>
          <xsl:value-of select="$rule/@title"/>
        </xsl:if>
        <span class="count">
          <xsl:value-of select="$n"/>
          <xsl:text> problem</xsl:text>
          <xsl:if test="$n != 1">s</xsl:if>
        </span>
      </h3>
      <xsl:if test="$rule/@action">
        <p class="action">
          <b>What to do: </b>
          <xsl:value-of select="$rule/@action"/>
        </p>
      </xsl:if>
      <xsl:if test="$shown &lt; $n">
        <p class="more">
          <xsl:text>The first </xsl:text>
          <xsl:value-of select="$shown"/>
          <xsl:text> are listed here; the CSV report lists all </xsl:text>
          <xsl:value-of select="$n"/>
          <xsl:text>.</xsl:text>
        </p>
      </xsl:if>
      <table class="problems">
        <thead>
          <tr>
            <th scope="col" class="num">Line</th>
            <th scope="col">Agency</th>
            <th scope="col">Client</th>
            <th scope="col">Episode</th>
            <th scope="col">Intervention</th>
            <th scope="col">Field</th>
            <th scope="col">Value</th>
            <th scope="col">Message</th>
          </tr>
        </thead>
        <tbody>
          <xsl:for-each select="key('problems', @rule)">
            <tr>
              <td class="num"><xsl:value-of select="@line"/></td>
              <td><xsl:value-of select="@agncy"/></td>
              <td><xsl:value-of select="@clientid"/></td>
              <td><xsl:value-of select="@episodid"/></td>
              <td><xsl:value-of select="@modid"/></td>
              <td><xsl:value-of select="@field"/></td>
              <td>
                <xsl:if test="string(@value) != ''">
                  <code><xsl:value-of select="@value"/></code>
                </xsl:if>
              </td>
              <td><xsl:value-of select="."/></td>
            </tr>
          </xsl:for-each>
        </tbody>
      </table>
    </section>
  </xsl:template>

  <xsl:template name="severity">
    <span class="sev sev-{@severity}">
      <xsl:choose>
        <xsl:when test="@severity = 'error'">Error</xsl:when>
        <xsl:when test="@severity = 'warning'">Warning</xsl:when>
        <xsl:otherwise>Note</xsl:otherwise>
      </xsl:choose>
    </span>
  </xsl:template>

  <!-- YYYY-MM-DD as DD/MM/YYYY, the form of the data officer's export. -->
  <xsl:template name="date">
    <xsl:param name="iso"/>
    <xsl:value-of select="concat(substring($iso, 9, 2), '/',
        substring($iso, 6, 2), '/', substring($iso, 1, 4))"/>
  </xsl:template>

  <xsl:template name="style">
    <xsl:text>
:root { color-scheme: light; }
body {
  margin: 0 auto; max-width: 72rem; padding: 1.5rem 2rem 3rem;
  font: 15px/1.45 "DejaVu Sans", "Liberation Sans", Arial, sans-serif;
  color: #1b1f24; background: #fff;
}
h1 { font-size: 1.6rem; margin: 0 0 .4rem; }
h2 {
  font-size: 1.2rem; margin: 2rem 0 .6rem; padding-bottom: .2rem;
  border-bottom: 2px solid #d0d7de;
}
h3 { font-size: 1.02rem; margin: 1.6rem 0 .4rem; }
dl.about { display: flex; flex-wrap: wrap; gap: .2rem 1.5rem; margin: 0;
  color: #444c56; }
dl.about dt { font-weight: bold; }
dl.about dt::after { content: ":"; }
dl.about dd { margin: 0 0 0 -1.2rem; }
code { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace;
  font-size: .92em; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem;
  border: 1px solid #d0d7de; }
thead th { background: #eef1f4; font-size: .9em; }
tbody tr:nth-child(even) { background: #f8f9fa; }
table.counts td.na { text-align: center; color: #8c959f; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
table.counts { width: auto; }
table.counts td { text-align: right; min-width: 5.5rem;
  font-variant-numeric: tabular-nums; }
.verdict { padding: .6rem .9rem; border-left: 6px solid; margin: .5rem 0 1rem; }
.verdict-rejected { border-color: #b42318; background: #fdecea; }
.verdict-valid { border-color: #1a7f37; background: #e9f7ee; }
.sev { display: inline-block; padding: 0 .45rem; border-radius: 3px;
  font-size: .85em; font-weight: bold; border: 1px solid; }
.sev-error { color: #8e1b12; background: #fdecea; border-color: #e5a29b; }
.sev-warning { color: #7a4d00; background: #fff5d6; border-color: #e6c36a; }
.sev-note { color: #444c56; background: #eef1f4; border-color: #c4ccd4; }
section.rule { border-left: 4px solid #c4ccd4; padding-left: .9rem; }
section.rule.error { border-left-color: #b42318; }
section.rule.warning { border-left-color: #d4a017; }
h3 .count { font-weight: normal; color: #57606a; margin-left: .6rem;
  font-size: .9em; }
p.action { margin: .2rem 0 .5rem; }
table.problems td:nth-child(8) { min-width: 18rem; }
footer { margin-top: 2.5rem; color: #444c56; font-size: .92em; }
footer h2 { font-size: 1.05rem; }
a { color: #0b5cad; }
@page { margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 9.5pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  h3, p.action { break-after: avoid; page-break-after: avoid; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  tbody tr:nth-child(even) { background: none; }
  .verdict, .sev { print-color-adjust: exact;
    -webkit-print-color-adjust: exact; }
}
</xsl:text>
  </xsl:template>

</xsl:stylesheet>
