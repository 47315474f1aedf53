<?xml version="1.0" encoding="UTF-8"?>
<!--
  The PCC return in metrics.md's long layout: one line for every measure x
  area row x breakdown, in the document's order (which is metrics.md's).
  The TOTAL row has area_code TOTAL and, as area_name, the police force
  area's name.  Fields are quoted only when they hold a comma, a quote or
  a line break (RFC 4180); lines end in LF.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:p="urn:ndx:pcc:1">
  <xsl:output method="text" encoding="UTF-8"/>

  <xsl:variable name="nl" select="'&#10;'"/>

  <xsl:template match="/p:pcc-return">
    <xsl:text>period,area_code,area_name,measure,breakdown,value</xsl:text>
    <xsl:value-of select="$nl"/>
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

  <xsl:template name="field">
    <xsl:param name="s"/>
    <xsl:choose>
      <xsl:when test="contains($s, ',') or contains($s, '&quot;') or
                      contains($s, '&#10;') or contains($s, '&#13;')">
        <xsl:text>"</xsl:text>
        <xsl:call-template name="double-quotes">
          <xsl:with-param name="s" select="$s"/>
        </xsl:call-template>
        <xsl:text>"</xsl:text>
      </xsl:when>
      <xsl:otherwise>
        <xsl:value-of select="$s"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="double-quotes">
    <xsl:param name="s"/>
    <xsl:choose>
      <xsl:when test="contains($s, '&quot;')">
        <xsl:value-of select="substring-before($s, '&quot;')"/>
        <xsl:text>""</xsl:text>
        <xsl:call-template name="double-quotes">
          <xsl:with-param name="s" select="substring-after($s, '&quot;')"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <xsl:value-of select="$s"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
