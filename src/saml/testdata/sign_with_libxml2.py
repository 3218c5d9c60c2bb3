# Signs a SAML response with libxml2's exclusive c14n (lxml) and `cryptography`: an
# independent signer for iamlocal's verifier. Usage: python3 sign.py KEY.pem > out.xml
import base64, hashlib, sys
from lxml import etree
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

DS = "http://www.w3.org/2000/09/xmldsig#"
template = """<?xml version="1.0" encoding="UTF-8"?>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
    xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:unused="urn:not-used"
    ID="_r1" Version="2.0" IssueInstant="2026-01-01T00:00:00Z">
  <saml:Issuer>urn:iamlocal:test-idp</saml:Issuer>
  <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
  <saml:Assertion Version="2.0" IssueInstant="2026-01-01T00:00:00Z" ID="_a1">
    <saml:Issuer>urn:iamlocal:test-idp</saml:Issuer>
    <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
      <ds:SignedInfo>
        <ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
        <ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
        <ds:Reference URI="#_a1">
          <ds:Transforms>
            <ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>
            <ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"><ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="xs"/></ds:Transform>
          </ds:Transforms>
          <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
          <ds:DigestValue></ds:DigestValue>
        </ds:Reference>
      </ds:SignedInfo>
      <ds:SignatureValue></ds:SignatureValue>
    </ds:Signature>
    <saml:Subject>
      <saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient">carol &amp; co</saml:NameID>
      <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
        <saml:SubjectConfirmationData NotOnOrAfter="2026-01-01T00:05:00Z" Recipient="https://signin.aws.amazon.com/saml"/>
      </saml:SubjectConfirmation>
    </saml:Subject>
    <saml:Conditions NotOnOrAfter="2026-01-01T00:05:00Z" NotBefore="2026-01-01T00:00:00Z">
      <saml:AudienceRestriction><saml:Audience>https://signin.aws.amazon.com/saml</saml:Audience></saml:AudienceRestriction>
    </saml:Conditions>
    <saml:AttributeStatement>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">
        <saml:AttributeValue xsi:type="xs:string">carol</saml:AttributeValue>
      </saml:Attribute>
      <!-- a comment, which canonicalization drops -->
      <saml:Attribute Name="note"><saml:AttributeValue xsi:type="xs:string">a &lt; b, "quoted" &#13;</saml:AttributeValue></saml:Attribute>
    </saml:AttributeStatement>
  </saml:Assertion>
</samlp:Response>
"""
key = serialization.load_pem_private_key(open(sys.argv[1], "rb").read(), None)
root = etree.fromstring(template.encode())
assertion = root.find("{urn:oasis:names:tc:SAML:2.0:assertion}Assertion")
signature = assertion.find(f"{{{DS}}}Signature")
signed_info = signature.find(f"{{{DS}}}SignedInfo")

# Enveloped signature: digest the assertion without its Signature.
copy = etree.fromstring(etree.tostring(root))
copy_assertion = copy.find("{urn:oasis:names:tc:SAML:2.0:assertion}Assertion")
copy_signature = copy_assertion.find(f"{{{DS}}}Signature")
# lxml's remove() takes the element's tail text with it; the enveloped-signature transform
# removes the element only, so the whitespace after it stays.
previous = copy_signature.getprevious()
previous.tail = (previous.tail or "") + (copy_signature.tail or "")
copy_assertion.remove(copy_signature)
canonical = etree.tostring(copy_assertion, method="c14n", exclusive=True, with_comments=False, inclusive_ns_prefixes=["xs"])
signed_info.find(f".//{{{DS}}}DigestValue").text = base64.b64encode(hashlib.sha256(canonical).digest()).decode()
canonical_info = etree.tostring(signed_info, method="c14n", exclusive=True, with_comments=False)
value = key.sign(canonical_info, padding.PKCS1v15(), hashes.SHA256())
signature.find(f"{{{DS}}}SignatureValue").text = base64.b64encode(value).decode()
sys.stdout.write(etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode())
