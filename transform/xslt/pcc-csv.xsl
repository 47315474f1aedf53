<?xml version="1.0" encoding="UTF-8"?>
<!--
  The PCC return in metrics.md's long layout: one line for every measure x
  area row x breakdown, in the document's order (which is metrics.md's);
  or, with layout=wide, the panel's shape: one line per measure x
  breakdown, one column per area row, TOTAL last.
  The TOTAL row has area_code TOTAL and, as area_name, the police force
  area's name.  Fields are quoted only when they hold a comma, a quote or
  a line break (RFC 4180); lines end in LF.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:p="urn:ndx:pcc:1">
  <xsl:include href="csv-field.xsl"/>
  <xsl:output method="text" encoding="UTF-8"/>

  <!-- long (metrics.md's layout) or wide (- -format csv-wide) -->
  <xsl:param name="layout" select="'long'"/>

  <xsl:variable name="nl" select="'&#10;'"/>

  <!-- With - -trend, the earlier quarters' rows come first, oldest first. -->
  <xsl:template match="/p:pcc-return">
    <xsl:choose>
      <xsl:when test="$layout = 'wide'">
        <xsl:text>period,measure,breakdown</xsl:text>
        <xsl:for-each select="p:measure[1]/p:row">
          <xsl:text>,</xsl:text>
          <xsl:call-template name="field">
            <xsl:with-param name="s" select="@code"/>
          </xsl:call-template>
        </xsl:for-each>
        <xsl:value-of select="$nl"/>
        <xsl:for-each select="p:quarter">
          <xsl:call-template name="wide"/>
        </xsl:for-each>
        <xsl:call-template name="wide"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:text>period,area_code,area_name,measure,breakdown,value</xsl:text>
        <xsl:value-of select="$nl"/>
        <xsl:for-each select="p:quarter">
          <xsl:call-template name="long"/>
        </xsl:for-each>
        <xsl:call-template name="long"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- The rows of the period the context node (root or quarter) holds. -->
  <xsl:template name="long">
    <xsl:variable name="period">
      <xsl:call-template name="field">
        <xsl:with-param name="s" select="@period"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:for-each select="p:measure/p:row/p:value">
      <xsl:value-of select="$period"/>
      <xsl:text>,</xsl:text>
      <xsl:call-template name="field">
        <xsl:with-param name="s" select="../@code"/>
      </xsl:call-template>
      <xsl:text>,</xsl:text>
      <xsl:call-template name="field">
        <xsl:with-param name="s" select="../@name"/>
      </xsl:call-template>
      <xsl:text>,</xsl:text>
      <xsl:call-template name="field">
        <xsl:with-param name="s" select="../../@name"/>
      </xsl:call-template>
      <xsl:text>,</xsl:text>
      <xsl:call-template name="field">
        <xsl:with-param name="s" select="@breakdown"/>
      </xsl:call-template>
      <xsl:text>,</xsl:text>
      <xsl:call-template name="field">
        <xsl:with-param name="s" select="."/>
      </xsl:call-template>
      <xsl:value-of select="$nl"/>
    </xsl:for-each>
  </xsl:template>

  <!-- One row per measure x breakdown, one column per area row. -->
  <xsl:template name="wide">
    <xsl:variable name="period">
      <xsl:call-template name="field">
        <xsl:with-param name="s" select="@period"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:for-each select="p:measure">
      <xsl:variable name="m" select="."/>
      <xsl:for-each select="p:breakdown">
        <xsl:variable name="b" select="@name"/>
        <xsl:value-of select="$period"/>
        <xsl:text>,</xsl:text>
        <xsl:call-template name="field">
          <xsl:with-param name="s" select="$m/@name"/>
        </xsl:call-template>
        <xsl:text>,</xsl:text>
        <xsl:call-template name="field">
          <xsl:with-param name="s" select="$b"/>
        </xsl:call-template>
        <xsl:for-each select="$m/p:row">
          <xsl:text>,</xsl:text>
          <xsl:call-template name="field">
            <xsl:with-param name="s" select="p:value[@breakdown = $b]"/>
          </xsl:call-template>
        </xsl:for-each>
        <xsl:value-of select="$nl"/>
      </xsl:for-each>
    </xsl:for-each>
  </xsl:template>

</xsl:stylesheet>
