<?xml version="1.0" encoding="UTF-8"?>
<!--
  The PCC return as a report a PCC's office prints: the period, the area,
  the disclosure rule, any trend and the dataset version up front; then
  per measure a table and a bar chart of the same figures.

  The parameter layout chooses the table:
    report (the default)  local authorities down, breakdowns across, the
                          force area's TOTAL row last and emphasised;
    panel                 (ndx-transform - -layout panel, metrics.md's
                          "Panel layout") breakdowns down, local
                          authorities across with their codes, the TOTAL
                          column last and emphasised.
  The bar chart is the same in both: a group per local authority and the
  TOTAL group last, a bar per count breakdown.

  With - -trend N the root has N - 1 <quarter> elements before its own
  measures, oldest first, each holding a full set of measures; each
  measure then also shows its TOTAL row over the quarters (the period
  last) as a small table (quarters down, breakdowns across) and a line
  chart of the count breakdowns.

  Input: ndx-transform's pcc-return document (namespace urn:ndx:pcc:1,
  described in transform/pcc.c).  The figures are shown exactly as they
  come, already under disclosure control: a chart draws a number and
  leaves a hidden (*) figure out, saying once under the chart how many
  it left out.

  Self-contained on purpose: the page is mailed, archived and printed, so
  the style is inline, the charts are inline SVG, there is no script and
  nothing is fetched from anywhere (not even a web font).  Printed (A4),
  the first measure follows the header on page 1 and each other measure
  starts a page; a table and its chart, and a trend's table and chart,
  each stay on one page (wherever one page can hold them: a chart of
  more than four bars a group has thinner bars so that it does), and no
  table row is split.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:p="urn:ndx:pcc:1"
    xmlns:o="urn:ndx:outcomes:1"
    exclude-result-prefixes="p o">

  <!-- Dataset version 2: the HAT cohort's outcomes, laid out as the
       outcome measures' own page lays a cohort out. -->
  <xsl:include href="outcomes-html.xsl"/>

  <xsl:output method="html" encoding="UTF-8" indent="yes"
      doctype-system="about:legacy-compat"/>

  <!-- report (local authorities down) or panel (breakdowns down) -->
  <xsl:param name="layout" select="'report'"/>

  <!-- Chart geometry, in SVG user units (1 = 1px on screen). -->
  <xsl:variable name="label-w" select="190"/>
  <xsl:variable name="bar-w" select="400"/>
  <xsl:variable name="value-w" select="60"/>
  <xsl:variable name="bar-h" select="14"/>
  <!-- ... and with more than four bars a group, so that it fits a page. -->
  <xsl:variable name="thin-bar-h" select="10"/>
  <xsl:variable name="gap" select="12"/>
  <xsl:variable name="legend-h" select="18"/>
  <xsl:variable name="legend-col-w" select="200"/>
  <!-- The trend's line chart: value axis labels, plot, one quarter. -->
  <xsl:variable name="axis-w" select="56"/>
  <xsl:variable name="trend-w" select="360"/>
  <xsl:variable name="trend-h" select="160"/>
  <xsl:variable name="q-w" select="72"/>
  <!-- Okabe-Ito: told apart by colour-blind readers, and in grey. -->
  <xsl:variable name="palette"
      select="'#0072B2 #E69F00 #009E73 #CC79A7 #56B4E9 #D55E00 #F0E442 #000000 '"/>

  <xsl:variable name="off" select="/p:pcc-return/@disclosure = 'none'"/>
  <!-- - -trend: the quarters before the period, oldest first. -->
  <xsl:variable name="quarters" select="/p:pcc-return/p:quarter"/>

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
          <xsl:if test="o:outcomes">
            <xsl:call-template name="outcomes-table-style"/>
          </xsl:if>
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
            <xsl:if test="$quarters">
              <dt>Trend</dt>
              <dd>
                <xsl:value-of select="$quarters[1]/@period"/>
                <xsl:text> to </xsl:text>
                <xsl:value-of select="@period"/>
                <xsl:text> (</xsl:text>
                <xsl:value-of select="count($quarters) + 1"/>
                <xsl:text> quarters from </xsl:text>
                <xsl:call-template name="date">
                  <xsl:with-param name="iso" select="$quarters[1]/@start"/>
                </xsl:call-template>
                <xsl:text>): each measure's total by quarter follows its
                  table.</xsl:text>
              </dd>
            </xsl:if>
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
              <xsl:if test="o:outcomes">
                <li><a href="#hat-cohort">The heroin-assisted treatment
                  cohort: engagement, drug use, health and
                  offending</a></li>
              </xsl:if>
            </ol>
          </nav>
        </header>
        <main>
          <xsl:apply-templates select="p:measure"/>
          <xsl:apply-templates select="o:outcomes" mode="hat"/>
        </main>
      </body>
    </html>
  </xsl:template>

  <!--
    The HAT cohort's monitoring in the structure of the pilot's
    evaluation: engagement and retention (the hat measure's force area
    row), street drug use, psychosocial outcomes and offending (the
    Treatment Outcomes Profile: each item's change from the start TOP to
    the latest TOP of the period, for the episodes of the cohort).
  -->
  <xsl:template match="o:outcomes" mode="hat">
    <xsl:variable name="hat"
        select="/p:pcc-return/p:measure[@name = 'hat']/p:row[@total]"/>
    <xsl:variable name="c" select="o:cohort[@name = 'hat']"/>
    <section class="measure hat-cohort" id="hat-cohort">
      <h2>The heroin-assisted treatment cohort</h2>
      <p class="what">The pilot's monitoring for the quarter, in the
        order of its evaluation.  Engagement and retention count people
        in heroin-assisted treatment (an intervention of type 97); the
        outcomes compare each episode's start Treatment Outcomes Profile
        (TOP) with its latest review or exit TOP dated in the quarter.
        Days are of the 28 before the interview; ratings run from 0
        (poor) to 20 (good).  Figures are under the disclosure control
        stated above.</p>
      <h3>Engagement and retention</h3>
      <table class="outcomes">
        <thead>
          <tr>
            <th scope="col">In treatment</th>
            <th scope="col">New starts</th>
            <th scope="col">Ended</th>
            <th scope="col">Ended as planned</th>
            <th scope="col">Retained at the end</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td><xsl:value-of select="$hat/p:value[@breakdown = 'in_treatment']"/></td>
            <td><xsl:value-of select="$hat/p:value[@breakdown = 'new_starts']"/></td>
            <td><xsl:value-of select="$hat/p:value[@breakdown = 'ended']"/></td>
            <td><xsl:value-of select="$hat/p:value[@breakdown = 'ended_planned']"/></td>
            <td><xsl:value-of select="$hat/p:value[@breakdown = 'retained_at_end']"/></td>
          </tr>
        </tbody>
      </table>
      <xsl:for-each select="$c">
        <h3>Street drug use</h3>
        <xsl:call-template name="outcomes-change">
          <xsl:with-param name="codes"
              select="' OPIUSE CRAUSE COCAUSE IVDRGUSE '"/>
        </xsl:call-template>
        <h3>Psychosocial outcomes</h3>
        <xsl:call-template name="outcomes-change">
          <xsl:with-param name="codes"
              select="' PSYHSTAT PHSTAT QUALLIFE '"/>
        </xsl:call-template>
        <h3>Offending</h3>
        <xsl:call-template name="outcomes-change">
          <xsl:with-param name="codes" select="' SHOTHEFT DRGSELL '"/>
        </xsl:call-template>
      </xsl:for-each>
    </section>
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
      <!-- The table and its chart: one unit, never split across pages. -->
      <div class="figures">
        <xsl:choose>
          <xsl:when test="$layout = 'panel'">
            <xsl:call-template name="panel-table"/>
          </xsl:when>
          <xsl:otherwise>
            <xsl:call-template name="report-table"/>
          </xsl:otherwise>
        </xsl:choose>
        <xsl:call-template name="chart"/>
      </div>
      <xsl:if test="$quarters">
        <xsl:call-template name="trend"/>
      </xsl:if>
    </section>
  </xsl:template>

  <!-- The report: local authorities down, breakdowns across. -->
  <xsl:template name="report-table">
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
  </xsl:template>

  <!--
    The panel (layout=panel): breakdowns down, the local authorities
    across with their codes, the force area's TOTAL column last; the
    `total` and rate breakdowns are ruled off from the counts above them.
  -->
  <xsl:template name="panel-table">
    <xsl:variable name="m" select="."/>
    <table class="panel">
      <thead>
        <tr>
          <th scope="col" class="corner">Breakdown</th>
          <xsl:for-each select="p:row">
            <th scope="col">
              <xsl:attribute name="class">
                <xsl:choose>
                  <xsl:when test="@total">num area-total</xsl:when>
                  <xsl:otherwise>num la</xsl:otherwise>
                </xsl:choose>
              </xsl:attribute>
              <xsl:value-of select="@name"/>
              <xsl:if test="@total"> (total)</xsl:if>
              <br/>
              <span class="code"><xsl:value-of select="@code"/></span>
            </th>
          </xsl:for-each>
        </tr>
      </thead>
      <tbody>
        <xsl:for-each select="p:breakdown">
          <xsl:variable name="b" select="@name"/>
          <tr>
            <xsl:choose>
              <xsl:when test="@kind = 'total'">
                <xsl:attribute name="class">sum</xsl:attribute>
              </xsl:when>
              <xsl:when test="@kind != 'count'">
                <xsl:attribute name="class">
                  <xsl:value-of select="@kind"/>
                </xsl:attribute>
              </xsl:when>
            </xsl:choose>
            <th scope="row" class="breakdown">
              <xsl:call-template name="label"/>
            </th>
            <xsl:for-each select="$m/p:row">
              <td>
                <xsl:attribute name="class">
                  <xsl:choose>
                    <xsl:when test="@total">num area-total</xsl:when>
                    <xsl:otherwise>num</xsl:otherwise>
                  </xsl:choose>
                </xsl:attribute>
                <xsl:value-of select="p:value[@breakdown = $b]"/>
              </td>
            </xsl:for-each>
          </tr>
        </xsl:for-each>
      </tbody>
    </table>
  </xsl:template>

  <!--
    A grouped bar chart: one group per local authority and the force
    area's TOTAL last (its label heavier, ruled off above), one bar per
    count breakdown (`total` and rates left out: the table has them), on
    one scale for the measure.  A hidden (*) figure has no bar and no
    label of its own; the caption says how many there are.
  -->
  <xsl:template name="chart">
    <xsl:variable name="bars" select="p:breakdown[@kind = 'count']"/>
    <xsl:variable name="rows" select="p:row"/>
    <xsl:variable name="max">
      <xsl:call-template name="max">
        <xsl:with-param name="values"
            select="$rows/p:value[@breakdown = $bars/@name]"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:choose>
      <xsl:when test="number($max) > 0">
        <xsl:call-template name="bars">
          <xsl:with-param name="bars" select="$bars"/>
          <xsl:with-param name="rows" select="$rows"/>
          <xsl:with-param name="scale" select="$bar-w div $max"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <p class="nochart">No chart: every figure of the local
          authorities and the total is zero or hidden.</p>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- The largest number among values (empty when none is a number). -->
  <xsl:template name="max">
    <xsl:param name="values"/>
    <xsl:for-each select="$values[number(.) = number(.)]">
      <xsl:sort select="." data-type="number" order="descending"/>
      <xsl:if test="position() = 1">
        <xsl:value-of select="."/>
      </xsl:if>
    </xsl:for-each>
  </xsl:template>

  <xsl:template name="bars">
    <xsl:param name="bars"/>
    <xsl:param name="rows"/>
    <xsl:param name="scale"/>
    <xsl:variable name="nbars" select="count($bars)"/>
    <xsl:variable name="thin" select="$nbars > 4"/>
    <xsl:variable name="bh"
        select="$bar-h - ($bar-h - $thin-bar-h) * $thin"/>
    <xsl:variable name="group-h" select="$nbars * $bh + $gap"/>
    <xsl:variable name="cols" select="1 + $thin"/>
    <xsl:variable name="top"
        select="ceiling($nbars div $cols) * $legend-h + $gap"/>
    <xsl:variable name="width" select="$label-w + $bar-w + $value-w"/>
    <xsl:variable name="height" select="$top + count($rows) * $group-h"/>
    <figure class="bars">
      <svg class="chart" role="img" width="{$width}" height="{$height}"
          viewBox="0 0 {$width} {$height}"
          aria-labelledby="chart-{@name}">
        <title id="chart-{@name}">
          <xsl:call-template name="title"/>
          <xsl:text> by local authority and in total</xsl:text>
        </title>
        <xsl:call-template name="legend">
          <xsl:with-param name="bars" select="$bars"/>
          <xsl:with-param name="cols" select="$cols"/>
          <xsl:with-param name="x" select="$label-w"/>
        </xsl:call-template>
        <line class="axis" x1="{$label-w}" y1="{$top - 4}"
            x2="{$label-w}" y2="{$height}"/>
        <xsl:for-each select="$rows">
          <xsl:variable name="row" select="."/>
          <xsl:variable name="gy" select="$top + (position() - 1) * $group-h"/>
          <xsl:if test="@total">
            <line class="sep" x1="0" y1="{$gy - $gap div 2}"
                x2="{$width}" y2="{$gy - $gap div 2}"/>
          </xsl:if>
          <text class="la" x="{$label-w - 6}"
              y="{$gy + ($nbars * $bh) div 2 + 4}">
            <xsl:if test="@total">
              <xsl:attribute name="class">la total</xsl:attribute>
            </xsl:if>
            <xsl:value-of select="@name"/>
            <xsl:if test="@total"> (total)</xsl:if>
          </text>
          <xsl:for-each select="$bars">
            <xsl:variable name="v"
                select="$row/p:value[@breakdown = current()/@name]"/>
            <xsl:variable name="y" select="$gy + (position() - 1) * $bh"/>
            <xsl:if test="number($v) = number($v)">
              <xsl:variable name="w" select="round($v * $scale * 10) div 10"/>
              <rect x="{$label-w}" y="{$y + 1}" width="{$w}"
                  height="{$bh - 2}">
                <xsl:attribute name="fill">
                  <xsl:call-template name="colour">
                    <xsl:with-param name="i" select="position()"/>
                  </xsl:call-template>
                </xsl:attribute>
              </rect>
              <text class="value" x="{$label-w + $w + 4}"
                  y="{$y + $bh - 3 + $thin}">
                <xsl:if test="$thin">
                  <xsl:attribute name="class">value thin</xsl:attribute>
                </xsl:if>
                <xsl:value-of select="$v"/>
              </text>
            </xsl:if>
          </xsl:for-each>
        </xsl:for-each>
      </svg>
      <figcaption>
        <xsl:call-template name="title"/>
        <xsl:text> by local authority and the </xsl:text>
        <xsl:value-of select="/p:pcc-return/@area"/>
        <xsl:text> total (last), as shown in the table.</xsl:text>
        <xsl:call-template name="hidden-note">
          <xsl:with-param name="n"
              select="count($rows/p:value[@breakdown = $bars/@name]
                      [. = '*'])"/>
        </xsl:call-template>
      </figcaption>
    </figure>
  </xsl:template>

  <!--
    The key of a chart, one entry per count breakdown, from x: in one
    column, or in two when there are more than four.
  -->
  <xsl:template name="legend">
    <xsl:param name="bars"/>
    <xsl:param name="cols"/>
    <xsl:param name="x"/>
    <xsl:for-each select="$bars">
      <xsl:variable name="i" select="position() - 1"/>
      <xsl:variable name="lx"
          select="$x + ($i mod $cols) * $legend-col-w"/>
      <xsl:variable name="ly"
          select="floor($i div $cols) * $legend-h"/>
      <rect x="{$lx}" y="{$ly + 2}" width="12" height="12">
        <xsl:attribute name="fill">
          <xsl:call-template name="colour">
            <xsl:with-param name="i" select="position()"/>
          </xsl:call-template>
        </xsl:attribute>
      </rect>
      <text x="{$lx + 18}" y="{$ly + 12}">
        <xsl:call-template name="label"/>
      </text>
    </xsl:for-each>
  </xsl:template>

  <!-- Said once under a chart: the figures it does not draw. -->
  <xsl:template name="hidden-note">
    <xsl:param name="n"/>
    <xsl:choose>
      <xsl:when test="$n = 1">
        <xsl:text> 1 figure is hidden under disclosure control (*) and not drawn.</xsl:text>
      </xsl:when>
      <xsl:when test="$n > 1">
        <xsl:value-of select="concat(' ', $n)"/>
        <xsl:text> figures are hidden under disclosure control (*) and not drawn.</xsl:text>
      </xsl:when>
    </xsl:choose>
  </xsl:template>

  <!--
    Trend (the root has <quarter> children): the measure's TOTAL row in
    each quarter, oldest first and the period last, as a small table
    (quarters down, breakdowns across) and a line chart of the count
    breakdowns.  Each quarter is under disclosure control on its own, so
    a hidden (*) total is not drawn: its line stops there.
  -->
  <xsl:template name="trend">
    <xsl:variable name="name" select="@name"/>
    <!-- Document order: the quarters' measures, then the period's. -->
    <xsl:variable name="series"
        select="$quarters/p:measure[@name = $name] | ."/>
    <xsl:variable name="bds" select="p:breakdown"/>
    <div class="trend" id="trend-{@name}">
      <h3>
        <xsl:value-of select="/p:pcc-return/@area"/>
        <xsl:text> total by quarter, </xsl:text>
        <xsl:value-of select="$quarters[1]/@period"/>
        <xsl:text> to </xsl:text>
        <xsl:value-of select="/p:pcc-return/@period"/>
      </h3>
      <div class="trend-body">
        <table class="trend">
          <thead>
            <tr>
              <th scope="col">Quarter</th>
              <xsl:for-each select="$bds">
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
            <xsl:for-each select="$series">
              <xsl:variable name="total" select="p:row[@total]"/>
              <tr>
                <xsl:if test="position() = last()">
                  <xsl:attribute name="class">period</xsl:attribute>
                </xsl:if>
                <th scope="row">
                  <xsl:attribute name="title">
                    <xsl:call-template name="date">
                      <xsl:with-param name="iso" select="../@start"/>
                    </xsl:call-template>
                    <xsl:text> to </xsl:text>
                    <xsl:call-template name="date">
                      <xsl:with-param name="iso" select="../@end"/>
                    </xsl:call-template>
                  </xsl:attribute>
                  <xsl:value-of select="../@period"/>
                </th>
                <xsl:for-each select="$bds">
                  <td class="num">
                    <xsl:if test="@kind != 'count'">
                      <xsl:attribute name="class">
                        <xsl:value-of select="concat('num ', @kind)"/>
                      </xsl:attribute>
                    </xsl:if>
                    <xsl:value-of
                        select="$total/p:value[@breakdown = current()/@name]"/>
                  </td>
                </xsl:for-each>
              </tr>
            </xsl:for-each>
          </tbody>
        </table>
        <xsl:call-template name="trend-chart">
          <xsl:with-param name="series" select="$series"/>
        </xsl:call-template>
      </div>
    </div>
  </xsl:template>

  <xsl:template name="trend-chart">
    <xsl:param name="series"/>
    <xsl:variable name="bars" select="p:breakdown[@kind = 'count']"/>
    <xsl:variable name="values"
        select="$series/p:row[@total]/p:value[@breakdown = $bars/@name]"/>
    <xsl:variable name="max">
      <xsl:call-template name="max">
        <xsl:with-param name="values" select="$values"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:choose>
      <xsl:when test="number($max) > 0">
        <xsl:variable name="step">
          <xsl:call-template name="step">
            <xsl:with-param name="max" select="$max"/>
          </xsl:call-template>
        </xsl:variable>
        <xsl:call-template name="lines">
          <xsl:with-param name="series" select="$series"/>
          <xsl:with-param name="bars" select="$bars"/>
          <xsl:with-param name="step" select="$step"/>
          <xsl:with-param name="ymax" select="ceiling($max div $step) * $step"/>
          <xsl:with-param name="hidden" select="count($values[. = '*'])"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <p class="nochart">No chart: every total over the quarters is zero
          or hidden.</p>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- A round step for an axis up to max: 1, 2 or 5 times a power of 10,
       at most five steps. -->
  <xsl:template name="step">
    <xsl:param name="max"/>
    <xsl:param name="m" select="1"/>
    <xsl:param name="e" select="1"/>
    <xsl:choose>
      <xsl:when test="$max div ($m * $e) &lt;= 5">
        <xsl:value-of select="$m * $e"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="step">
          <xsl:with-param name="max" select="$max"/>
          <xsl:with-param name="m"
              select="substring('2  5  1', ($m = 2) * 3 + ($m = 5) * 6 + 1, 1)"/>
          <xsl:with-param name="e" select="$e * (1 + 9 * ($m = 5))"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="lines">
    <xsl:param name="series"/>
    <xsl:param name="bars"/>
    <xsl:param name="step"/>
    <xsl:param name="ymax"/>
    <xsl:param name="hidden"/>
    <xsl:variable name="n" select="count($series)"/>
    <xsl:variable name="plot-w">
      <xsl:choose>
        <xsl:when test="($n - 1) * $q-w > $trend-w">
          <xsl:value-of select="($n - 1) * $q-w"/>
        </xsl:when>
        <xsl:otherwise><xsl:value-of select="$trend-w"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="dx" select="$plot-w div ($n - 1)"/>
    <xsl:variable name="cols" select="1 + (count($bars) > 4)"/>
    <xsl:variable name="top"
        select="ceiling(count($bars) div $cols) * $legend-h + $gap"/>
    <xsl:variable name="bottom" select="$top + $trend-h"/>
    <xsl:variable name="width" select="$axis-w + $plot-w + $q-w div 2"/>
    <xsl:variable name="height" select="$bottom + 22"/>
    <xsl:variable name="ky" select="$trend-h div $ymax"/>
    <figure class="trend">
      <svg class="chart" role="img" width="{$width}" height="{$height}"
          viewBox="0 0 {$width} {$height}"
          aria-labelledby="trend-chart-{@name}">
        <title id="trend-chart-{@name}">
          <xsl:call-template name="title"/>
          <xsl:text>: </xsl:text>
          <xsl:value-of select="/p:pcc-return/@area"/>
          <xsl:text> total by quarter</xsl:text>
        </title>
        <xsl:call-template name="legend">
          <xsl:with-param name="bars" select="$bars"/>
          <xsl:with-param name="cols" select="$cols"/>
          <xsl:with-param name="x" select="$axis-w"/>
        </xsl:call-template>
        <xsl:call-template name="ticks">
          <xsl:with-param name="k" select="0"/>
          <xsl:with-param name="last" select="round($ymax div $step)"/>
          <xsl:with-param name="step" select="$step"/>
          <xsl:with-param name="bottom" select="$bottom"/>
          <xsl:with-param name="ky" select="$ky"/>
          <xsl:with-param name="x2" select="$axis-w + $plot-w"/>
        </xsl:call-template>
        <line class="axis" x1="{$axis-w}" y1="{$top - 4}"
            x2="{$axis-w}" y2="{$bottom}"/>
        <xsl:for-each select="$series">
          <text class="q" x="{$axis-w + (position() - 1) * $dx}"
              y="{$bottom + 18}">
            <xsl:if test="position() = last()">
              <xsl:attribute name="class">q period</xsl:attribute>
            </xsl:if>
            <xsl:value-of select="../@period"/>
          </text>
        </xsl:for-each>
        <xsl:for-each select="$bars">
          <xsl:variable name="b" select="@name"/>
          <xsl:variable name="colour">
            <xsl:call-template name="colour">
              <xsl:with-param name="i" select="position()"/>
            </xsl:call-template>
          </xsl:variable>
          <xsl:for-each select="$series">
            <xsl:variable name="i" select="position()"/>
            <xsl:variable name="v" select="p:row[@total]/p:value[@breakdown = $b]"/>
            <xsl:variable name="u"
                select="$series[$i - 1]/p:row[@total]/p:value[@breakdown = $b]"/>
            <xsl:variable name="x" select="$axis-w + ($i - 1) * $dx"/>
            <xsl:variable name="y" select="round(($bottom - $v * $ky) * 10) div 10"/>
            <xsl:if test="$i > 1 and number($v) = number($v) and number($u) = number($u)">
              <line class="series" x1="{round(($x - $dx) * 10) div 10}"
                  y1="{round(($bottom - $u * $ky) * 10) div 10}"
                  x2="{round($x * 10) div 10}" y2="{$y}" stroke="{$colour}"/>
            </xsl:if>
            <xsl:if test="number($v) = number($v)">
              <rect x="{round(($x - 3.5) * 10) div 10}" y="{$y - 3.5}"
                  width="7" height="7" fill="{$colour}"/>
            </xsl:if>
          </xsl:for-each>
        </xsl:for-each>
      </svg>
      <figcaption>
        <xsl:call-template name="title"/>
        <xsl:text>: the </xsl:text>
        <xsl:value-of select="/p:pcc-return/@area"/>
        <xsl:text> total of each count in each quarter, oldest first,
          as in the table; each quarter is under disclosure control on
          its own.</xsl:text>
        <xsl:call-template name="hidden-note">
          <xsl:with-param name="n" select="$hidden"/>
        </xsl:call-template>
      </figcaption>
    </figure>
  </xsl:template>

  <!-- The value axis's gridlines and labels, k * step for k to last. -->
  <xsl:template name="ticks">
    <xsl:param name="k"/>
    <xsl:param name="last"/>
    <xsl:param name="step"/>
    <xsl:param name="bottom"/>
    <xsl:param name="ky"/>
    <xsl:param name="x2"/>
    <xsl:variable name="y" select="round(($bottom - $k * $step * $ky) * 10) div 10"/>
    <line class="grid" x1="{$axis-w}" y1="{$y}" x2="{$x2}" y2="{$y}"/>
    <text class="tick" x="{$axis-w - 6}" y="{$y + 4}">
      <xsl:value-of select="$k * $step"/>
    </text>
    <xsl:if test="$k &lt; $last">
      <xsl:call-template name="ticks">
        <xsl:with-param name="k" select="$k + 1"/>
        <xsl:with-param name="last" select="$last"/>
        <xsl:with-param name="step" select="$step"/>
        <xsl:with-param name="bottom" select="$bottom"/>
        <xsl:with-param name="ky" select="$ky"/>
        <xsl:with-param name="x2" select="$x2"/>
      </xsl:call-template>
    </xsl:if>
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
table.panel thead th.la, table.panel thead th.area-total {
  text-align: right; }
th span.code { font-weight: normal; font-size: .85em; color: #444c56; }
th.area-total, td.area-total { font-weight: bold; background: #eef1f4;
  border-left: 2px solid #1b1f24; }
table.panel tr.sum th, table.panel tr.sum td,
table.panel tr.rate th, table.panel tr.rate td {
  border-top: 2px solid #8c959f; }
div.trend { margin: .2rem 0 1rem; }
h3 { font-size: 1rem; margin: 1rem 0 .2rem; }
div.trend-body { display: flex; flex-wrap: wrap; gap: 0 2rem;
  align-items: flex-start; }
div.trend-body figure { flex: 0 1 auto; max-width: 100%; }
/* The chart sets the figure's width, the caption wraps within it. */
div.trend-body figcaption { width: 0; min-width: 100%; }
table.trend tr.period th, table.trend tr.period td { font-weight: bold; }
figure { margin: .4rem 0 1rem; }
figcaption, p.nochart { font-size: .85em; color: #444c56; }
svg.chart { max-width: 100%; height: auto; font-size: 12px;
  font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
svg.chart text { fill: #1b1f24; }
svg.chart text.la { text-anchor: end; }
svg.chart text.total, svg.chart text.period { font-weight: bold; }
svg.chart text.thin { font-size: 10px; }
svg.chart text.tick { text-anchor: end; fill: #57606a; }
svg.chart text.q { text-anchor: middle; }
svg.chart line.axis { stroke: #57606a; stroke-width: 1; }
svg.chart line.sep { stroke: #8c959f; stroke-width: 1;
  stroke-dasharray: 4 3; }
svg.chart line.grid { stroke: #d0d7de; stroke-width: 1; }
svg.chart line.series { stroke-width: 2; }
@media print {
  @page { size: A4; margin: 15mm; }
  body { max-width: none; padding: 0; font-size: 9.5pt; }
  h1 { font-size: 15pt; margin-bottom: .3rem; }
  h2 { margin-top: .6rem; }
  /* The charts' text about the size of the tables' (8pt). */
  svg.chart { zoom: .85; }
  nav { display: none; }
  /* Each measure starts a page, but the first follows the header. */
  section.measure { break-before: page; page-break-before: always; }
  section.measure:first-of-type { break-before: auto;
    page-break-before: auto; }
  div.figures, div.trend { break-inside: avoid; page-break-inside: avoid; }
  h2, h3, p.what { break-after: avoid; page-break-after: avoid; }
  table { width: 100%; font-size: 8pt; }
  th, td { padding: .15rem .3rem; }
  thead th { hyphens: auto; }
  thead { display: table-header-group; }
  tr, figure { break-inside: avoid; page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  .rule, .off, tr.total th, tr.total td, .area-total, svg.chart {
    print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
</xsl:text>
  </xsl:template>

</xsl:stylesheet>
