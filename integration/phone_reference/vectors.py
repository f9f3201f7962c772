"""Phone-number test vectors judged by Google's libphonenumber (its Python port, `phonenumbers`,
pinned to the metadata version our `phonenumber` crate bundles).

Prints one JSON object per line: {"input": what an admin might type, "e164": the E.164 number
libphonenumber stores, or null when it judges the input invalid}. The vectors: for every
supported region and non-geographic country code, the example number of every number type,
written in international, E.164, national (with and without the country code) and
apostrophe-prefixed forms, plus one-digit-too-long, one-digit-too-short, one-digit-changed and
wrong-country-code variants.
"""

import json
import sys

import phonenumbers as pn
from phonenumbers import PhoneNumberFormat as Fmt
from phonenumbers import PhoneNumberType as T

TYPES = [
    T.FIXED_LINE, T.MOBILE, T.TOLL_FREE, T.PREMIUM_RATE, T.SHARED_COST, T.VOIP,
    T.PERSONAL_NUMBER, T.PAGER, T.UAN, T.VOICEMAIL,
]


def verdict(text):
    try:
        number = pn.parse(text, None)
    except pn.NumberParseException:
        return None
    if not pn.is_valid_number(number):
        return None
    return pn.format_number(number, Fmt.E164)


def examples():
    for region in sorted(pn.SUPPORTED_REGIONS):
        for kind in TYPES:
            number = pn.example_number_for_type(region, kind)
            if number is not None:
                yield number
    for code in sorted(pn.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        meta = pn.PhoneMetadata.metadata_for_nongeo_region(code)
        for kind in TYPES:
            desc = pn.phonenumberutil._number_desc_by_type(meta, kind)
            if desc is not None and desc.example_number:
                yield pn.parse("+%d%s" % (code, desc.example_number), None)


def writings(number, codes):
    code = str(number.country_code)
    e164 = pn.format_number(number, Fmt.E164)
    national = pn.format_number(number, Fmt.NATIONAL)
    international = pn.format_number(number, Fmt.INTERNATIONAL)
    nsn = e164[1 + len(code):]
    yield international
    yield e164
    yield "'" + international
    yield national
    yield "+%s %s" % (code, national)
    for digit in "0123456789":
        yield e164 + digit
        yield "+%s%s%s" % (code, digit, nsn)
    yield e164[:-1]
    yield "+%s%s" % (code, nsn[1:])
    changed = "1" if nsn[-1] != "1" else "2"
    yield "+%s%s%s" % (code, nsn[:-1], changed)
    other = codes[(codes.index(number.country_code) + 1) % len(codes)]
    yield "+%d%s" % (other, nsn)


def main():
    expected = sys.argv[1] if len(sys.argv) > 1 else None
    if expected is not None and pn.__version__ != expected:
        sys.exit("phonenumbers %s is installed; the crate's metadata is %s" % (pn.__version__, expected))
    codes = sorted(pn.COUNTRY_CODE_TO_REGION_CODE)
    seen = set()
    out = sys.stdout
    for number in examples():
        for text in writings(number, codes):
            if text in seen:
                continue
            seen.add(text)
            out.write(json.dumps({"input": text, "e164": verdict(text)}) + "\n")


if __name__ == "__main__":
    main()
