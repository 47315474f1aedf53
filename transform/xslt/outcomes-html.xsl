<?xml version="1.0" encoding="UTF-8"?>
<!--
  The outcome measures (outcomes.md section 4) as a report: the period,
  the area, the disclosure rule and the dataset version up front; then
  per cohort the change from the start TOP to the latest one, for the
  force area as a whole, as a table and a paired bar chart (the mean at
  start beside the mean at the latest TOP, each item), and the pairs and
  means of every local authority.

  Input: ndx-transform's outcomes document (namespace urn:ndx:outcomes:1,
  transform/outcomes.c).  The figures are shown as they come, already
  under disclosure control; a chart leaves a hidden (*) mean out and says
  so.  The cohort templates are also the PCC return's heroin-assisted
  treatment section (pcc-html.xsl includes this file).

  Self-contained, as pcc-html.xsl is: inline style and SVG, no script.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:o="urn:ndx:outcomes:1"
    exclude-result-prefixes="o">

  <xsl:output method="html" encoding="UTF-8" indent="yes"
      doctype-system="about:legacy-compat"/>

  <!-- The paired bar chart, in SVG user units. -->
  <xsl:variable name="o-label-w" select="250"/>
  <xsl:variable name="o-bar-w" select="360"/>
  <xsl:variable name="o-bar-h" select="12"/>
  <xsl:variable name="o-gap" select="10"/>

  <xsl:template match="/o:outcomes">
    <html lang="en-GB">
      <head>
        <title>
          <xsl:text>Treatment outcomes: </xsl:text>
          <xsl:value-of select="@area"/>
          <xsl:text>, </xsl:text>
          <xsl:value-of select="@period"/>
          <xsl:if test="@disclosure = 'none'">
            <xsl:text> (not for publication: disclosure control off)</xsl:text>
          </xsl:if>
        </title>
        <style>
          <xsl:call-template name="outcomes-style"/>
        </style>
      </head>
      <body>
        <header>
          <xsl:if test="@disclosure = 'none'">
            <p class="off">not for publication: disclosure control off</p>
          </xsl:if>
          <h1>
            <xsl:text>Treatment outcomes: </xsl:text>
            <xsl:value-of select="@area"/>
            <xsl:text> police force area</xsl:text>
          </h1>
          <dl class="about">
            <dt>Period</dt>
            <dd>
              <xsl:value-of select="@period"/>
              <xsl:text> (</xsl:text>
              <xsl:value-of select="@start"/>
              <xsl:text> to </xsl:text>
              <xsl:value-of select="@end"/>
              <xsl:text>)</xsl:text>
            </dd>
            <dt>Disclosure control</dt>
            <dd><xsl:call-template name="outcomes-rule"/></dd>
            <dt>Data</dt>
            <dd>
              <xsl:text>dataset version </xsl:text>
              <xsl:value-of select="@dataset"/>
              <xsl:if test="@asof">
                <xsl:text>, data cut </xsl:text>
                <xsl:value-of select="@asof"/>
              </xsl:if>
              <xsl:text>; ndx </xsl:text>
              <xsl:value-of select="@ndx"/>
            </dd>
          </dl>
          <p class="what">A pair is an episode with a start Treatment
            Outcomes Profile (TOP) and a review or exit TOP dated in the
            period; its latest TOP is the review or exit with the latest
            date.  An item is compared where both TOPs answer it.  Days
            are of the 28 before the interview; ratings run from 0 (poor)
            to 20 (good).</p>
        </header>
        <xsl:for-each select="o:cohort">
          <xsl:call-template name="outcomes-cohort"/>
        </xsl:for-each>
      </body>
    </html>
  </xsl:template>

  <xsl:template name="outcomes-rule">
    <xsl:choose>
      <xsl:when test="@disclosure = 'suppress'">
        <xsl:text>counts from 1 to </xsl:text>
        <xsl:value-of select="@threshold - 1"/>
        <xsl:text> hidden (*), and more where one hidden count could be
          worked out from the rest; a mean is hidden where its pairs are
          fewer than </xsl:text>
        <xsl:value-of select="@threshold"/>
        <xsl:text> or hidden</xsl:text>
      </xsl:when>
      <xsl:when test="@disclosure = 'round5'">
        <xsl:text>counts rounded to the nearest 5; a mean is hidden (*)
          where its pairs are fewer than </xsl:text>
        <xsl:value-of select="@threshold"/>
      </xsl:when>
      <xsl:when test="@disclosure = 'nhs'">
        <xsl:text>NHS Digital's rule: counts from 1 to 7 hidden (*), the
          others rounded to the nearest 5; a mean is hidden where its
          pairs are hidden or fewer than </xsl:text>
        <xsl:value-of select="@threshold"/>
      </xsl:when>
      <xsl:otherwise>none (internal use only)</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- The heading of a cohort. -->
  <xsl:template name="outcomes-cohort-title">
    <xsl:choose>
      <xsl:when test="@name = 'all'">Every episode</xsl:when>
      <xsl:when test="@name = 'hat'">Heroin-assisted treatment (an
        intervention of type 97 in treatment in the period)</xsl:when>
      <xsl:when test="@name = 'cj'">Criminal justice episodes</xsl:when>
      <xsl:otherwise><xsl:value-of select="@name"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- A statistic of the context item, at the TOTAL row. -->
  <xsl:template name="total">
    <xsl:param name="stat"/>
    <xsl:value-of
        select="o:statistic[@name = $stat]/o:value[@area_code = 'TOTAL']"/>
  </xsl:template>

  <!-- One cohort (the context node): the area's table and chart, then
       its local authorities. -->
  <xsl:template name="outcomes-cohort">
    <xsl:param name="level" select="2"/>
    <section class="cohort" id="cohort-{@name}">
      <xsl:element name="h{$level}">
        <xsl:call-template name="outcomes-cohort-title"/>
      </xsl:element>
      <xsl:call-template name="outcomes-change"/>
      <xsl:call-template name="outcomes-by-la"/>
    </section>
  </xsl:template>

  <!-- The force area's start-to-latest change of every item. -->
  <xsl:template name="outcomes-change">
    <xsl:param name="codes" select="''"/>
    <xsl:variable name="its"
        select="o:item[$codes = '' or contains($codes, concat(' ', @code, ' '))]"/>
    <table class="outcomes">
      <thead>
        <tr>
          <th scope="col">Item</th>
          <th scope="col">Pairs</th>
          <th scope="col">Mean at start</th>
          <th scope="col">Mean at latest</th>
          <th scope="col">Users at start</th>
          <th scope="col">Stopped (of users)</th>
          <th scope="col">At most half (of users)</th>
          <th scope="col">Improved</th>
        </tr>
      </thead>
      <tbody>
        <xsl:for-each select="$its">
          <tr>
            <th scope="row">
              <xsl:value-of select="@title"/>
              <span class="code"><xsl:text> </xsl:text>
                <xsl:value-of select="@code"/></span>
            </th>
            <td><xsl:call-template name="total">
              <xsl:with-param name="stat" select="'pairs'"/>
            </xsl:call-template></td>
            <td><xsl:call-template name="total">
              <xsl:with-param name="stat" select="'mean_start'"/>
            </xsl:call-template></td>
            <td><xsl:call-template name="total">
              <xsl:with-param name="stat" select="'mean_latest'"/>
            </xsl:call-template></td>
            <td><xsl:call-template name="total">
              <xsl:with-param name="stat" select="'users_at_start'"/>
            </xsl:call-template></td>
            <td><xsl:call-template name="total">
              <xsl:with-param name="stat" select="'abstinent'"/>
            </xsl:call-template></td>
            <td><xsl:call-template name="total">
              <xsl:with-param name="stat" select="'reduced'"/>
            </xsl:call-template></td>
            <td><xsl:call-template name="total">
              <xsl:with-param name="stat" select="'improved'"/>
            </xsl:call-template></td>
          </tr>
        </xsl:for-each>
      </tbody>
    </table>
    <xsl:call-template name="outcomes-chart">
      <xsl:with-param name="its" select="$its[@kind = 'days']"/>
      <xsl:with-param name="max" select="28"/>
      <xsl:with-param name="what" select="'days in the past 28'"/>
    </xsl:call-template>
    <xsl:call-template name="outcomes-chart">
      <xsl:with-param name="its" select="$its[@kind = 'rating']"/>
      <xsl:with-param name="max" select="20"/>
      <xsl:with-param name="what" select="'rating, 0 poor to 20 good'"/>
    </xsl:call-template>
  </xsl:template>

  <!-- Paired bars: each item's mean at start (light) and at the latest
       TOP (dark), on one scale from 0 to max. -->
  <xsl:template name="outcomes-chart">
    <xsl:param name="its"/>
    <xsl:param name="max"/>
    <xsl:param name="what"/>
    <xsl:variable name="row-h" select="2 * $o-bar-h + $o-gap"/>
    <xsl:variable name="height" select="count($its) * $row-h + 46"/>
    <xsl:variable name="hidden"
        select="count($its/o:statistic[starts-with(@name, 'mean')]/o:value[@area_code = 'TOTAL'][. = '*' or . = ''])"/>
    <xsl:if test="$its">
      <figure>
        <svg class="chart" role="img" width="{$o-label-w + $o-bar-w + 60}"
            height="{$height}" xmlns="http://www.w3.org/2000/svg">
          <title>
            <xsl:text>Mean at start and at the latest TOP (</xsl:text>
            <xsl:value-of select="$what"/>
            <xsl:text>)</xsl:text>
          </title>
          <g transform="translate(0,6)">
          <xsl:for-each select="$its">
            <xsl:variable name="y" select="(position() - 1) * $row-h"/>
            <xsl:variable name="s"
                select="o:statistic[@name = 'mean_start']/o:value[@area_code = 'TOTAL']"/>
            <xsl:variable name="l"
                select="o:statistic[@name = 'mean_latest']/o:value[@area_code = 'TOTAL']"/>
            <text class="la" x="{$o-label-w - 6}" y="{$y + $o-bar-h + 4}">
              <xsl:value-of select="@code"/>
            </text>
            <xsl:if test="number($s) = number($s)">
              <rect class="start" x="{$o-label-w}" y="{$y}"
                  width="{round($s * $o-bar-w div $max * 10) div 10}"
                  height="{$o-bar-h}"/>
              <text x="{$o-label-w + $s * $o-bar-w div $max + 4}"
                  y="{$y + $o-bar-h - 2}"><xsl:value-of select="$s"/></text>
            </xsl:if>
            <xsl:if test="number($l) = number($l)">
              <rect class="latest" x="{$o-label-w}" y="{$y + $o-bar-h}"
                  width="{round($l * $o-bar-w div $max * 10) div 10}"
                  height="{$o-bar-h}"/>
              <text x="{$o-label-w + $l * $o-bar-w div $max + 4}"
                  y="{$y + 2 * $o-bar-h - 2}"><xsl:value-of select="$l"/></text>
            </xsl:if>
          </xsl:for-each>
          <xsl:variable name="ly" select="count($its) * $row-h + 8"/>
          <line class="axis" x1="{$o-label-w}" y1="0" x2="{$o-label-w}"
              y2="{$ly - 4}"/>
          <rect class="start" x="{$o-label-w}" y="{$ly}" width="12"
              height="12"/>
          <text x="{$o-label-w + 18}" y="{$ly + 11}">at start</text>
          <rect class="latest" x="{$o-label-w + 110}" y="{$ly}" width="12"
              height="12"/>
          <text x="{$o-label-w + 128}" y="{$ly + 11}">at the latest TOP</text>
          </g>
        </svg>
        <figcaption>
          <xsl:text>The force area's means (</xsl:text>
          <xsl:value-of select="$what"/>
          <xsl:text>).</xsl:text>
          <xsl:if test="$hidden > 0">
            <xsl:text> </xsl:text>
            <xsl:value-of select="$hidden"/>
            <xsl:text> mean(s) hidden or without pairs are left out.</xsl:text>
          </xsl:if>
        </figcaption>
      </figure>
    </xsl:if>
  </xsl:template>

  <!-- Local authorities down; per item its pairs and its means. -->
  <xsl:template name="outcomes-by-la">
    <xsl:variable name="c" select="."/>
    <table class="by-la">
      <caption>By local authority: pairs, and the mean at start and at
        the latest TOP</caption>
      <thead>
        <tr>
          <th scope="col">Local authority</th>
          <xsl:for-each select="o:item">
            <th scope="col"><xsl:value-of select="@code"/></th>
          </xsl:for-each>
        </tr>
      </thead>
      <tbody>
        <xsl:for-each select="o:item[1]/o:statistic[1]/o:value">
          <xsl:variable name="a" select="@area_code"/>
          <tr>
            <xsl:if test="$a = 'TOTAL'">
              <xsl:attribute name="class">total</xsl:attribute>
            </xsl:if>
            <th scope="row">
              <xsl:value-of select="@area_name"/>
            </th>
            <xsl:for-each select="$c/o:item">
              <td>
                <xsl:value-of
                    select="o:statistic[@name = 'pairs']/o:value[@area_code = $a]"/>
                <span class="means">
                  <xsl:text>: </xsl:text>
                  <xsl:value-of
                      select="o:statistic[@name = 'mean_start']/o:value[@area_code = $a]"/>
                  <xsl:text> &#8594; </xsl:text>
                  <xsl:value-of
                      select="o:statistic[@name = 'mean_latest']/o:value[@area_code = $a]"/>
                </span>
              </td>
            </xsl:for-each>
          </tr>
        </xsl:for-each>
      </tbody>
    </table>
  </xsl:template>

  <xsl:template name="outcomes-style">
    <xsl:text>
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif;
  color: #1b1f24; max-width: 72rem; margin: 0 auto; padding: 1rem;
  line-height: 1.4; }
h1 { font-size: 1.5rem; }
h2 { font-size: 1.2rem; margin-top: 1.6rem; }
dl.about { display: grid; grid-template-columns: max-content auto;
  gap: .2rem 1rem; }
dl.about dt { font-weight: bold; }
dl.about dd { margin: 0; }
p.off { background: #ffebe9; border: 2px solid #cf222e; padding: .4rem;
  font-weight: bold; }
p.what { font-size: .9em; color: #444c56; max-width: 48rem; }
</xsl:text>
    <xsl:call-template name="outcomes-table-style"/>
  </xsl:template>

  <!-- The cohort tables' and charts' own style, which the PCC return's
       page adds to its own for its HAT section. -->
  <xsl:template name="outcomes-table-style">
    <xsl:text>
table.outcomes, table.by-la { border-collapse: collapse; margin: .4rem 0;
  font-variant-numeric: tabular-nums; }
table.outcomes th, table.outcomes td, table.by-la th, table.by-la td {
  border-bottom: 1px solid #d0d7de; padding: .2rem .5rem; }
table.outcomes td, table.by-la td { text-align: right; }
table.outcomes th[scope=row], table.by-la th[scope=row] { text-align: left;
  font-weight: normal; }
table.outcomes span.code { font-size: .85em; color: #444c56; }
table.by-la { font-size: .85em; }
table.by-la caption { text-align: left; font-size: .9em; color: #444c56; }
table.by-la tr.total th, table.by-la tr.total td { font-weight: bold;
  background: #eef1f4; }
table.by-la span.means { color: #444c56; }
svg.chart rect.start { fill: #56B4E9; }
svg.chart rect.latest { fill: #0072B2; }
svg.chart text.la { text-anchor: end; }
svg.chart line.axis { stroke: #57606a; }
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  section.cohort { break-before: page; page-break-before: always; }
  section.cohort:first-of-type { break-before: auto; }
  table, figure, tr { break-inside: avoid; page-break-inside: avoid; }
}
</xsl:text>
  </xsl:template>

</xsl:stylesheet>
