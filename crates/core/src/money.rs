//! Money is an integer amount of a currency's minor units (cents, tiyn) and an ISO 4217 code:
//! never a float, so sums are exact.

use serde::{Deserialize, Serialize};

/// An amount in minor units of `currency`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: String,
}

/// The active ISO 4217 codes.
const CODES: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB \
BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR \
FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES \
KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR \
MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR \
SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH \
UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG";

/// Codes whose minor unit is not a hundredth.
const NO_MINOR_UNIT: &str = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF";
const THOUSANDTHS: &str = "BHD IQD JOD KWD LYD OMR TND";

/// `code` upper-cased when it is an active ISO 4217 currency.
pub fn currency(code: &str) -> Option<String> {
    let code = code.trim().to_ascii_uppercase();
    (code.len() == 3 && CODES.split_whitespace().any(|c| c == code)).then_some(code)
}

/// How many decimal digits the currency's minor unit has: 2 for most, 0 for JPY, 3 for KWD.
pub fn minor_digits(currency: &str) -> u32 {
    if NO_MINOR_UNIT.split_whitespace().any(|c| c == currency) {
        0
    } else if THOUSANDTHS.split_whitespace().any(|c| c == currency) {
        3
    } else {
        2
    }
}

/// `minor` units of `currency` as people read them: `1990 EUR` is `19.90 EUR`, `500 JPY` is
/// `500 JPY`, `-5 KWD` is `-0.005 KWD`.
pub fn format(minor: i64, currency: &str) -> String {
    let digits = minor_digits(currency);
    if digits == 0 {
        return format!("{minor} {currency}");
    }
    let unit = 10u64.pow(digits);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!(
        "{sign}{}.{:0width$} {currency}",
        abs / unit,
        abs % unit,
        width = digits as usize
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_active_codes_in_any_case() {
        assert_eq!(currency("kzt").as_deref(), Some("KZT"));
        assert_eq!(currency(" EUR ").as_deref(), Some("EUR"));
        assert_eq!(currency("XYZ"), None);
        assert_eq!(currency("EURO"), None);
        assert_eq!(minor_digits("JPY"), 0);
        assert_eq!(minor_digits("KWD"), 3);
        assert_eq!(minor_digits("KZT"), 2);
    }

    #[test]
    fn formats_minor_units_as_people_read_them() {
        assert_eq!(format(1990, "EUR"), "19.90 EUR");
        assert_eq!(format(5, "EUR"), "0.05 EUR");
        assert_eq!(format(500, "JPY"), "500 JPY");
        assert_eq!(format(-5, "KWD"), "-0.005 KWD");
    }
}
