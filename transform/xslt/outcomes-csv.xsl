<?xml version="1.0" encoding="UTF-8"?>
<!--
  The outcome measures in outcomes.md section 4's layout: one line for
  every cohort x item x statistic x area row, in the document's order
  (which is the spec's); the TOTAL row has area_code TOTAL and, as
  area_name, the police force area's name.  Lines end in LF.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:o="urn:ndx:outcomes:1">
  <xsl:include href="csv-field.xsl"/>
  <xsl:output method="text" encoding="UTF-8"/>

  <xsl:variable name="nl" select="'&#10;'"/>

  <xsl:template match="/o:outcomes">
    <xsl:text>period,area_code,area_name,cohort,item,statistic,value</xsl:text>
    <xsl:value-of select="$nl"/>
    <xsl:variable name="period">
      <xsl:call-template name="field">
        <xsl:with-param name="s" select="@period"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:for-each select="o:cohort/o:item/o:statistic/o:value">
      <xsl:value-of select="$period"/>
      <xsl:text>,</xsl:text>
      <xsl:call-template name="field">
        <xsl:with-param name="s" select="@area_code"/>
      </xsl:call-template>
      <xsl:text>,</xsl:text>
      <xsl:call-template name="field">
        <xsl:with-param name="s" select="@area_name"/>
      </xsl:call-template>
      <xsl:text>,</xsl:text>
      <xsl:value-of select="../../../@name"/>
      <xsl:text>,</xsl:text>
      <xsl:value-of select="../../@code"/>
      <xsl:text>,</xsl:text>
      <xsl:value-of select="../@name"/>
      <xsl:text>,</xsl:text>
      <xsl:value-of select="."/>
      <xsl:value-of select="$nl"/>
    </xsl:for-each>
  </xsl:template>
</xsl:stylesheet>
