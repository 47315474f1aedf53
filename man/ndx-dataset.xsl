<?xml version="1.0" encoding="UTF-8"?>
<!--
  ndx-dataset(5), made from schemas/episodes.xsd at build time:
    xsltproc man/ndx-dataset.xsl schemas/episodes.xsd > ndx-dataset.5
  The page lists what the XSD states, so it cannot disagree with what
  ndx-validate checks: every item with its title, whether it is
  mandatory, its type, and every code with its meaning and properties.
  Text is written as mdoc; no XSD text starts a line with a dot or holds a
  backslash (the patterns, which do, are left to the XSD).
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:ndx="urn:ndx:appinfo:1">
  <xsl:output method="text" encoding="UTF-8"/>
  <xsl:strip-space elements="*"/>

  <xsl:key name="simple" match="/xs:schema/xs:simpleType" use="@name"/>
  <xsl:key name="complex" match="/xs:schema/xs:complexType" use="@name"/>

  <xsl:variable name="records"
      select="'|client|episode|intervention|top|'"/>

  <xsl:template match="/xs:schema">
    <xsl:text>.\" Generated from episodes-2.xsd by man/ndx-dataset.xsl: edit those.
.Dd December 3, 2026
.Dt NDX-DATASET 5
.Os
.Sh NAME
.Nm ndx-dataset
.Nd the ndx adult treatment dataset, version </xsl:text>
    <xsl:value-of select="@version"/>
    <xsl:text>: items, types and codes
.Sh DESCRIPTION
The dataset ndx reads from a provider's case-management system, checks
and passes on: clients, their treatment episodes, and the interventions
within each episode; version 2 adds the Treatment Outcomes Profile (TOP)
interviews of each episode.
Its machine-readable form is
.Pa episodes.xsd
(version 1) and
.Pa episodes-2.xsd
(version 2, version 1's items and the TOP's), installed with ndx; this
page is made from the latter.
.Pp
In the CSV layout (input and the commissioner submission) the header is
the items' short codes in the order below, one row per intervention (in
version 2 also one per TOP, after the intervention items; a file with
any TOP column is version 2);
dates are DD/MM/YYYY (YYYY-MM-DD in the episodes XML) and an empty value
is not recorded.
.Em Mandatory
items must be present in every record;
the others are optional or required by a rule of
.Xr ndx-validate 1 .
Items marked
.Em identifying
never appear in a pseudonymised output.
</xsl:text>
    <xsl:text>.Ss Client items&#10;</xsl:text>
    <xsl:apply-templates select="key('complex', 'Client')"/>
    <xsl:text>.Ss Episode items&#10;</xsl:text>
    <xsl:apply-templates select="key('complex', 'Episode')"/>
    <xsl:text>.Ss Intervention items&#10;</xsl:text>
    <xsl:apply-templates select="key('complex', 'Intervention')"/>
    <xsl:text>.Ss TOP items (dataset version 2)
A TOP row gives TOPID, TOPDATE and TRSTAGE (rule R200) and any of the
answers; an answer left empty was not asked or not disclosed, never 0.
</xsl:text>
    <xsl:text>.Bl -tag -width Ds&#10;</xsl:text>
    <xsl:for-each select="key('complex', 'Top')/xs:sequence/xs:element[
        not(@name = key('complex', 'Intervention')/xs:sequence/
        xs:element/@name)]">
      <xsl:call-template name="item">
        <xsl:with-param name="mandatory" select="false()"/>
      </xsl:call-template>
    </xsl:for-each>
    <xsl:text>.El&#10;</xsl:text>
    <xsl:text>.Ss Items of the pseudonymised form only
Derived by
.Xr ndx-pseudonymise 1
and published in the Public Health extract instead of the identifying
items.
</xsl:text>
    <xsl:text>.Bl -tag -width Ds&#10;</xsl:text>
    <xsl:for-each select="key('complex', 'PseudonymisedClient') |
        key('complex', 'PseudonymisedEpisode')">
      <xsl:for-each select="xs:sequence/xs:element[
          not(contains($records, concat('|', @name, '|')))]">
        <xsl:variable name="name" select="@name"/>
        <xsl:if test="not(key('complex', 'Client')/xs:sequence/xs:element[
            @name = $name] or key('complex', 'Episode')/xs:sequence/
            xs:element[@name = $name])">
          <xsl:call-template name="item">
            <xsl:with-param name="mandatory" select="false()"/>
          </xsl:call-template>
        </xsl:if>
      </xsl:for-each>
    </xsl:for-each>
    <xsl:text>.El&#10;</xsl:text>
    <xsl:text>.Ss Broad ethnic groups
A recipient configured with
.Cm min_k
receives a generalised extract, in which ETHNIC is one of these groups:
</xsl:text>
    <xsl:call-template name="codes">
      <xsl:with-param name="type" select="key('simple', 'EthnicGroup')"/>
    </xsl:call-template>
    <xsl:text>.Sh FILES
.Bl -tag -width Ds
.It Pa episodes.xsd , Pa episodes-2.xsd
the dataset's types and code lists, versions 1 and 2, in the data
directory
.Pf ( Ev NDX_DATADIR ,
or
.Pa share/ndx
beside the programs)
.It Pa rules.csv
the validation rules, their severity and what to do about each
.It Pa areas.csv
the local authorities of each police force area
.El
.Sh SEE ALSO
.Xr ndx-pack 1 ,
.Xr ndx-pseudonymise 1 ,
.Xr ndx-validate 1 ,
.Xr ndx 7
.Pp
Each archive ndx-pack makes with
.Fl -datapackage
carries the same descriptions as a Frictionless Table Schema,
.Pa datapackage.json .
</xsl:text>
  </xsl:template>

  <!-- A record type: its items, in order. -->
  <xsl:template match="xs:complexType">
    <xsl:text>.Bl -tag -width Ds&#10;</xsl:text>
    <xsl:for-each select="xs:sequence/xs:element[
        not(contains($records, concat('|', @name, '|')))]">
      <xsl:call-template name="item">
        <xsl:with-param name="mandatory"
            select="not(@minOccurs) or @minOccurs != '0'"/>
      </xsl:call-template>
    </xsl:for-each>
    <xsl:text>.El&#10;</xsl:text>
  </xsl:template>

  <xsl:template name="item">
    <xsl:param name="mandatory"/>
    <xsl:variable name="tname" select="@type"/>
    <xsl:variable name="simple" select="key('simple', $tname)"/>
    <xsl:variable name="base" select="key('simple',
        key('complex', $tname)/xs:simpleContent/xs:extension/@base)"/>
    <xsl:variable name="type" select="$simple | $base"/>
    <xsl:text>.It Sy </xsl:text>
    <xsl:value-of select="@name"/>
    <xsl:text>&#10;</xsl:text>
    <xsl:variable name="title"
        select="normalize-space(xs:annotation/xs:documentation)"/>
    <xsl:value-of select="concat(translate(substring($title, 1, 1),
        'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
        substring($title, 2))"/>
    <xsl:text>.&#10;</xsl:text>
    <xsl:if test="$mandatory">
      <xsl:text>Mandatory.&#10;</xsl:text>
    </xsl:if>
    <xsl:if test="@ndx:identifying = 'yes'">
      <xsl:text>Identifying.&#10;</xsl:text>
    </xsl:if>
    <xsl:choose>
      <xsl:when test="$type/xs:restriction/xs:enumeration">
        <xsl:text>One of:&#10;</xsl:text>
        <xsl:call-template name="codes">
          <xsl:with-param name="type" select="$type"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:when test="$type/xs:restriction/@base = 'xs:date'">
        <xsl:text>A date, from </xsl:text>
        <xsl:value-of
            select="$type/xs:restriction/xs:minInclusive/@value"/>
        <xsl:text>.&#10;</xsl:text>
      </xsl:when>
      <xsl:otherwise>
        <xsl:text>It must be </xsl:text>
        <xsl:value-of
            select="normalize-space($type/xs:annotation/xs:documentation)"/>
        <xsl:text>.&#10;</xsl:text>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- A code list as a two-column list: code, meaning (properties). -->
  <xsl:template name="codes">
    <xsl:param name="type"/>
    <xsl:text>.Bl -tag -width "XXXXXX" -compact&#10;</xsl:text>
    <xsl:for-each select="$type/xs:restriction/xs:enumeration">
      <xsl:text>.It Li </xsl:text>
      <xsl:value-of select="@value"/>
      <xsl:text>&#10;</xsl:text>
      <xsl:value-of select="normalize-space(xs:annotation/xs:documentation)"/>
      <xsl:if test="@ndx:cj = 'yes'">
        <xsl:text>; criminal-justice source</xsl:text>
      </xsl:if>
      <xsl:if test="@ndx:group and ../../@name != 'EthnicCode'">
        <xsl:text>; group </xsl:text>
        <xsl:value-of select="@ndx:group"/>
      </xsl:if>
      <xsl:if test="@ndx:group and ../../@name = 'EthnicCode'">
        <xsl:text>; broad group </xsl:text>
        <xsl:value-of select="@ndx:group"/>
      </xsl:if>
      <xsl:if test="@ndx:class">
        <xsl:text>; counted as </xsl:text>
        <xsl:value-of select="@ndx:class"/>
      </xsl:if>
      <xsl:text>&#10;</xsl:text>
    </xsl:for-each>
    <xsl:text>.El&#10;</xsl:text>
  </xsl:template>
</xsl:stylesheet>
