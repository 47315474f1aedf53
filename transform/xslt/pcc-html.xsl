<?xml version="1.0" encoding="UTF-8"?>
<!--
  The PCC return as a report a PCC's office prints: the period, the area,
  the disclosure rule and the dataset version up front; then per measure
  a table (local authorities down, breakdowns across, the force area's
  TOTAL row last and emphasised) and a bar chart of the same figures.

  Input: ndx-transform's pcc-return document (namespace urn:ndx:pcc:1,
  described in transform/pcc.c).  The figures are shown exactly as they
  come, already under disclosure control: the chart draws a bar for a
  number and marks a hidden (*) cell without one.

  Self-contained on purpose: the page is mailed, archived and printed, so
  the style is inline, the chart is inline SVG, there is no script and
  nothing is fetched from anywhere (not even a web font).  Printed, each
  measure starts a page and no table row is split.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:p="urn:ndx:pcc:1"
    exclude-result-prefixes="p">

  <xsl:output method="html" encoding="UTF-8" indent="yes"
      doctype-system="about:legacy-compat"/>

  <!-- Chart geometry, in SVG user units (1 = 1px on screen). -->
  <xsl:variable name="label-w" select="190"/>
  <xsl:variable name="bar-w" select="400"/>
  <xsl:variable name="value-w" select="60"/>
  <xsl:variable name="bar-h" select="14"/>
  <xsl:variable name="gap" select="12"/>
  <xsl:variable name="legend-h" select="18"/>
  <!-- Okabe-Ito: told apart by colour-blind readers, and in grey. -->
  <xsl:variable name="palette"
      select="'#0072B2 #E69F00 #009E73 #CC79A7 #56B4E9 #D55E00 #F0E442 #000000 '"/>

  <xsl:variable name="off" select="/p:pcc-return/@disclosure = 'none'"/>

  <xsl:template match="/p:pcc-return">
    <html lang="en-GB">
      <head>
        <title>
          <xsl:text>PCC quarterly return: </xsl:text>
          <xsl:value-of select="@area"/>
          <xsl:text>, </xsl:text>
          <xsl:value-of select="@period"/>
          <xsl:if test="$off">
            <xsl:text> (not for publication: disclosure control off)</xsl:text>
          </xsl:if>
        </title>
        <style>
          <xsl:call-template name="style"/>
        </style>
      </head>
      <body>
        <header>
          <xsl:if test="$off">
            <p class="off">not for publication: disclosure control off</p>
          </xsl:if>
          <h1>
            <xsl:text>PCC quarterly return: </xsl:text>
            <xsl:value-of select="@area"/>
            <xsl:text> police force area</xsl:text>
          </h1>
          <dl class="about">
            <dt>Period</dt>
            <dd>
              <xsl:value-of select="@period"/>
              <xsl:text> (</xsl:text>
              <xsl:call-template name="date">
                <xsl:with-param name="iso" select="@start"/>
              </xsl:call-template>
              <xsl:text> to </xsl:text>
              <xsl:call-template name="date">
                <xsl:with-param name="iso" select="@end"/>
              </xsl:call-template>
              <xsl:text>)</xsl:text>
            </dd>
            <dt>Area</dt>
            <dd>
              <xsl:value-of select="@area"/>
              <xsl:text>: </xsl:text>
              <xsl:for-each select="p:measure[1]/p:row[not(@total)]">
                <xsl:if test="position() > 1">, </xsl:if>
                <xsl:value-of select="@name"/>
              </xsl:for-each>
            </dd>
            <xsl:if test="@asof">
              <dt>Data cut</dt>
              <dd>
                <xsl:call-template name="date">
                  <xsl:with-param name="iso" select="@asof"/>
                </xsl:call-template>
              </dd>
            </xsl:if>
            <xsl:if test="p:provider">
              <dt>Providers combined</dt>
              <dd>
                <xsl:value-of select="count(p:provider)"/>
                <xsl:text> (each person counted once across them): </xsl:text>
                <xsl:for-each select="p:provider">
                  <xsl:if test="position() > 1">; </xsl:if>
                  <xsl:value-of select="translate(@agencies, ',', ' ')"/>
                  <xsl:text>, </xsl:text>
                  <xsl:value-of select="@consent-excluded"/>
                  <xsl:text> episode</xsl:text>
                  <xsl:if test="@consent-excluded != 1">s</xsl:if>
                  <xsl:text> left out for want of consent</xsl:text>
                </xsl:for-each>
              </dd>
            </xsl:if>
            <dt>Dataset version</dt>
            <dd><xsl:value-of select="@dataset"/></dd>
            <dt>Produced by</dt>
            <dd><xsl:value-of select="concat('ndx ', @ndx)"/></dd>
          </dl>
          <div class="rule">
            <strong>Disclosure control: </strong>
            <xsl:call-template name="rule"/>
          </div>
          <nav>
            <h2 class="contents">Measures</h2>
            <ol>
              <xsl:for-each select="p:measure">
                <li>
                  <a href="#{@name}">
                    <xsl:call-template name="title"/>
                  </a>
                </li>
              </xsl:for-each>
            </ol>
          </nav>
        </header>
        <main>
          <xsl:apply-templates select="p:measure"/>
        </main>
      </body>
    </html>
  </xsl:template>

  <xsl:template name="rule">
    <xsl:choose>
      <xsl:when test="@disclosure = 'suppress' and @threshold > 1">
        <xsl:text>suppression. Counts from 1 to </xsl:text>
        <xsl:value-of select="@threshold - 1"/>
        <xsl:text> are shown as *, and further cells are hidden so that
          none can be worked out from the others and the totals; a rate
          is * when either of its counts is.</xsl:text>
      </xsl:when>
      <xsl:when test="@disclosure = 'suppress'">
        <xsl:text>suppression with a threshold of 1: no count is small
          enough to be hidden, every count is exact.</xsl:text>
      </xsl:when>
      <xsl:when test="@disclosure = 'round5'">
        <xsl:text>rounding. Every count is rounded to the nearest 5, so
          rows may not add up to their totals; rates are worked out from
          the unrounded counts and shown only where the denominator is at
          least 5 (* otherwise).</xsl:text>
      </xsl:when>
      <xsl:when test="@disclosure = 'nhs'">
        <xsl:text>the NHS Digital method. Counts from 1 to 7 are shown as
          *, other counts are rounded to the nearest 5 (totals from the
          unrounded counts); a rate is shown, from the unrounded counts,
          only when neither of its counts is *.</xsl:text>
      </xsl:when>
      <xsl:otherwise>
        <xsl:text>none. Every count is exact: not for publication,
          disclosure control off.</xsl:text>
      </xsl:otherwise>
    </xsl:choose>
    <xsl:text> A rate with no denominator is left empty.</xsl:text>
  </xsl:template>

  <xsl:template match="p:measure">
    <section class="measure" id="{@name}">
      <h2><xsl:call-template name="title"/></h2>
      <p class="what"><xsl:call-template name="what"/></p>
      <table>
        <thead>
          <tr>
            <th scope="col">Local authority</th>
            <th scope="col">Code</th>
            <xsl:for-each select="p:breakdown">
              <th scope="col" class="num">
                <xsl:if test="@kind != 'count'">
                  <xsl:attribute name="class">
                    <xsl:value-of select="concat('num ', @kind)"/>
                  </xsl:attribute>
                </xsl:if>
                <xsl:call-template name="label"/>
              </th>
            </xsl:for-each>
          </tr>
        </thead>
        <tbody>
          <xsl:for-each select="p:row">
            <tr>
              <xsl:if test="@total">
                <xsl:attribute name="class">total</xsl:attribute>
              </xsl:if>
              <th scope="row">
                <xsl:value-of select="@name"/>
                <xsl:if test="@total"> (total)</xsl:if>
              </th>
              <td class="code"><xsl:value-of select="@code"/></td>
              <xsl:for-each select="p:value">
                <td class="num">
                  <xsl:if test="../../p:breakdown[@name = current()/@breakdown]/@kind != 'count'">
                    <xsl:attribute name="class">
                      <xsl:value-of select="concat('num ',
                          ../../p:breakdown[@name = current()/@breakdown]/@kind)"/>
                    </xsl:attribute>
                  </xsl:if>
                  <xsl:value-of select="."/>
                </td>
              </xsl:for-each>
            </tr>
          </xsl:for-each>
        </tbody>
      </table>
      <xsl:call-template name="chart"/>
    </section>
  </xsl:template>

  <!--
    A grouped bar chart: one group per local authority (TOTAL left out, it
    would dwarf the rest), one bar per count breakdown (`total` and rates
    left out: the table has them), on one scale for the measure.
  -->
  <xsl:template name="chart">
    <xsl:variable name="bars" select="p:breakdown[@kind = 'count']"/>
    <xsl:variable name="rows" select="p:row[not(@total)]"/>
    <xsl:variable name="max">
      <xsl:for-each select="$rows/p:value[@breakdown = $bars/@name]
                            [number(.) = number(.)]">
        <xsl:sort select="." data-type="number" order="descending"/>
        <xsl:if test="position() = 1">
          <xsl:value-of select="."/>
        </xsl:if>
      </xsl:for-each>
    </xsl:variable>
    <xsl:variable name="scale" select="$bar-w div $max"/>
    <xsl:choose>
      <xsl:when test="number($max) > 0">
        <xsl:call-template name="bars">
          <xsl:with-param name="bars" select="$bars"/>
          <xsl:with-param name="rows" select="$rows"/>
          <xsl:with-param name="scale" select="$scale"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <p class="nochart">No chart: every figure of the local
          authorities is zero or hidden.</p>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="bars">
    <xsl:param name="bars"/>
    <xsl:param name="rows"/>
    <xsl:param name="scale"/>
    <xsl:variable name="nbars" select="count($bars)"/>
    <xsl:variable name="group-h" select="$nbars * $bar-h + $gap"/>
    <xsl:variable name="top" select="$nbars * $legend-h + $gap"/>
    <xsl:variable name="width" select="$label-w + $bar-w + $value-w"/>
    <xsl:variable name="height" select="$top + count($rows) * $group-h"/>
    <figure>
      <svg class="chart" role="img" width="{$width}" height="{$height}"
          viewBox="0 0 {$width} {$height}"
          aria-labelledby="chart-{@name}">
        <title id="chart-{@name}">
          <xsl:call-template name="title"/>
          <xsl:text> by local authority</xsl:text>
        </title>
        <xsl:for-each select="$bars">
          <xsl:variable name="y" select="(position() - 1) * $legend-h"/>
          <rect x="{$label-w}" y="{$y + 2}" width="12" height="12">
            <xsl:attribute name="fill">
              <xsl:call-template name="colour">
                <xsl:with-param name="i" select="position()"/>
              </xsl:call-template>
            </xsl:attribute>
          </rect>
          <text x="{$label-w + 18}" y="{$y + 12}">
            <xsl:call-template name="label"/>
          </text>
        </xsl:for-each>
        <line class="axis" x1="{$label-w}" y1="{$top - 4}"
            x2="{$label-w}" y2="{$height}"/>
        <xsl:for-each select="$rows">
          <xsl:variable name="row" select="."/>
          <xsl:variable name="gy" select="$top + (position() - 1) * $group-h"/>
          <text class="la" x="{$label-w - 6}"
              y="{$gy + ($nbars * $bar-h) div 2 + 4}">
            <xsl:value-of select="@name"/>
          </text>
          <xsl:for-each select="$bars">
            <xsl:variable name="v"
                select="$row/p:value[@breakdown = current()/@name]"/>
            <xsl:variable name="y" select="$gy + (position() - 1) * $bar-h"/>
            <xsl:choose>
              <xsl:when test="number($v) = number($v)">
                <xsl:variable name="w" select="round($v * $scale * 10) div 10"/>
                <rect x="{$label-w}" y="{$y + 1}" width="{$w}"
                    height="{$bar-h - 2}">
                  <xsl:attribute name="fill">
                    <xsl:call-template name="colour">
                      <xsl:with-param name="i" select="position()"/>
                    </xsl:call-template>
                  </xsl:attribute>
                </rect>
                <text class="value" x="{$label-w + $w + 4}"
                    y="{$y + $bar-h - 3}">
                  <xsl:value-of select="$v"/>
                </text>
              </xsl:when>
              <xsl:otherwise>
                <text class="value hidden" x="{$label-w + 4}"
                    y="{$y + $bar-h - 3}">
                  <xsl:choose>
                    <xsl:when test="$v = '*'">* (hidden)</xsl:when>
                    <xsl:otherwise>
                      <xsl:value-of select="$v"/>
                    </xsl:otherwise>
                  </xsl:choose>
                </text>
              </xsl:otherwise>
            </xsl:choose>
          </xsl:for-each>
        </xsl:for-each>
      </svg>
      <figcaption>
        <xsl:call-template name="title"/>
        <xsl:text> by local authority, as shown in the table (</xsl:text>
        <xsl:value-of select="/p:pcc-return/@area"/>
        <xsl:text> total not drawn).</xsl:text>
      </figcaption>
    </figure>
  </xsl:template>

  <!-- The i-th colour of the palette, from 1, round and round. -->
  <xsl:template name="colour">
    <xsl:param name="i"/>
    <xsl:value-of select="substring($palette, (($i - 1) mod 8) * 8 + 1, 7)"/>
  </xsl:template>

  <xsl:template name="title">
    <xsl:choose>
      <xsl:when test="@name = 'cj_in_treatment'">Clients in contact with the criminal justice system in treatment, by substance</xsl:when>
      <xsl:when test="@name = 'in_treatment'">All clients in treatment, by substance</xsl:when>
      <xsl:when test="@name = 'cj_referrals'">Criminal justice referrals, by source</xsl:when>
      <xsl:when test="@name = 'cj_requirements_started'">Criminal justice requirements started</xsl:when>
      <xsl:when test="@name = 'continuity_of_care'">Continuity of care for prison leavers</xsl:when>
      <xsl:when test="@name = 'cj_successful_completions'">Criminal justice clients completing treatment, by substance</xsl:when>
      <xsl:when test="@name = 'cj_early_unplanned_exits'">Criminal justice clients leaving early and unplanned</xsl:when>
      <xsl:when test="@name = 'deaths_in_treatment'">Deaths in treatment</xsl:when>
      <xsl:when test="@name = 'hat'">Heroin-assisted treatment</xsl:when>
      <xsl:otherwise><xsl:value-of select="@name"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- What each measure counts, in the words of metrics.md. -->
  <xsl:template name="what">
    <xsl:choose>
      <xsl:when test="@name = 'cj_in_treatment'">People with at least one criminal justice episode in treatment in the period (referred by a criminal justice source or under a criminal justice requirement), each counted once, in the local authority of their latest such episode; the substance group is over all those episodes.</xsl:when>
      <xsl:when test="@name = 'in_treatment'">People with at least one episode in treatment in the period, each counted once, in the local authority of their latest such episode; the substance group is over all those episodes.</xsl:when>
      <xsl:when test="@name = 'cj_referrals'">Episodes referred in the period by a criminal justice source.</xsl:when>
      <xsl:when test="@name = 'cj_requirements_started'">Episodes starting (triaged) in the period under a criminal justice requirement.</xsl:when>
      <xsl:when test="@name = 'continuity_of_care'">Episodes referred by a prison with a release date in the period, and of those the ones whose first intervention started within 21 days of release; the rate is the percentage engaged.</xsl:when>
      <xsl:when test="@name = 'cj_successful_completions'">Criminal justice episodes discharged in the period as a successful completion, by the episode's substance group.</xsl:when>
      <xsl:when test="@name = 'cj_early_unplanned_exits'">Criminal justice episodes discharged in the period, and of those the ones that ended unplanned (dropped out, withdrawn, declined) less than 12 weeks (84 days) after triage; the rate is the percentage early and unplanned.</xsl:when>
      <xsl:when test="@name = 'deaths_in_treatment'">Episodes discharged in the period because the client died, criminal justice episodes and others.</xsl:when>
      <xsl:when test="@name = 'hat'">People in heroin-assisted treatment (injectable opioid treatment) in the period; starting, ending and ending as planned in the period (by the local authority of the episode); and still in it at the end of the period.</xsl:when>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="label">
    <xsl:choose>
      <xsl:when test="@name = 'total'">Total</xsl:when>
      <xsl:when test="@name = 'rate'">Rate (%)</xsl:when>
      <xsl:when test="@name = 'opiate'">Opiate</xsl:when>
      <xsl:when test="@name = 'non_opiate_only'">Non-opiate only</xsl:when>
      <xsl:when test="@name = 'alcohol_only'">Alcohol only</xsl:when>
      <xsl:when test="@name = 'non_opiate_and_alcohol'">Non-opiate and alcohol</xsl:when>
      <xsl:when test="@name = 'arrest_referral'">Arrest referral</xsl:when>
      <xsl:when test="@name = 'drr'">DRR</xsl:when>
      <xsl:when test="@name = 'atr'">ATR</xsl:when>
      <xsl:when test="@name = 'iom'">IOM</xsl:when>
      <xsl:when test="@name = 'liaison_diversion'">Liaison and diversion</xsl:when>
      <xsl:when test="@name = 'police_diversion'">Police diversion</xsl:when>
      <xsl:when test="@name = 'engaged_21d'">Engaged within 21 days</xsl:when>
      <xsl:when test="@name = 'early_unplanned'">Early unplanned</xsl:when>
      <xsl:when test="@name = 'cj'">Criminal justice</xsl:when>
      <xsl:when test="@name = 'non_cj'">Other</xsl:when>
      <xsl:when test="@name = 'in_treatment'">In treatment</xsl:when>
      <xsl:when test="@name = 'new_starts'">New starts</xsl:when>
      <xsl:when test="@name = 'ended_planned'">Ended as planned</xsl:when>
      <xsl:when test="@name = 'retained_at_end'">Retained at end</xsl:when>
      <xsl:otherwise>
        <!-- Any other breakdown the dataset names: capitalised, spaced. -->
        <xsl:value-of select="translate(substring(@name, 1, 1),
            'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')"/>
        <xsl:value-of select="translate(substring(@name, 2), '_', ' ')"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

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
h1 { font-size: 1.6rem; margin: 0 0 .6rem; }
h2 {
  font-size: 1.2rem; margin: 2.2rem 0 .4rem; padding-bottom: .2rem;
  border-bottom: 2px solid #d0d7de;
}
h2.contents { font-size: 1rem; border: 0; margin: 1rem 0 .2rem; }
nav ol { margin: 0; padding-left: 1.6rem; columns: 2; }
dl.about { display: grid; grid-template-columns: max-content auto;
  gap: .15rem 1rem; margin: 0 0 .8rem; }
dl.about dt { font-weight: bold; }
dl.about dd { margin: 0; }
.rule { padding: .5rem .8rem; border-left: 6px solid #0072b2;
  background: #eef5fb; }
.off { font-size: 1.3rem; font-weight: bold; text-transform: uppercase;
  color: #b42318; border: 3px solid #b42318; padding: .4rem .8rem;
  margin: 0 0 1rem; }
p.what { margin: 0 0 .6rem; color: #444c56; }
table { border-collapse: collapse; margin: .4rem 0 1rem; }
th, td { padding: .25rem .45rem; border: 1px solid #d0d7de;
  text-align: left; vertical-align: top; }
thead th { background: #eef1f4; font-size: .9em; }
.num { text-align: right; font-variant-numeric: tabular-nums;
  min-width: 2.5rem; }
td.code { font-size: .85em; }
td.total, th.total, td.rate, th.rate { border-left: 2px solid #8c959f; }
tr.total th, tr.total td { font-weight: bold; background: #eef1f4;
  border-top: 2px solid #1b1f24; }
figure { margin: .4rem 0 1rem; }
figcaption, p.nochart { font-size: .85em; color: #444c56; }
svg.chart { max-width: 100%; height: auto; font-size: 12px;
  font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
svg.chart text { fill: #1b1f24; }
svg.chart text.la { text-anchor: end; }
svg.chart text.hidden { fill: #57606a; font-style: italic; }
svg.chart line.axis { stroke: #57606a; stroke-width: 1; }
@media print {
  @page { margin: 15mm; }
  body { max-width: none; padding: 0; font-size: 9.5pt; }
  nav { display: none; }
  section.measure { break-before: page; page-break-before: always; }
  h2 { break-after: avoid; page-break-after: avoid; }
  table { width: 100%; font-size: 8pt; }
  th, td { padding: .15rem .3rem; }
  thead th { hyphens: auto; }
  thead { display: table-header-group; }
  tr, figure { break-inside: avoid; page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  .rule, .off, tr.total th, tr.total td, svg.chart {
    print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
</xsl:text>
  </xsl:template>

</xsl:stylesheet>
