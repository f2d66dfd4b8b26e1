//! Water pollutant codes of HJ 212-2017 (Table B.1 and the national automatic-station codes), with the
//! old HJ/T 212-2005 codes, default units, and riverchief's parameter key where there is one.
//!
//! Numbers come from `shared/reference/hj212_2017_water_codes.csv`; the unit tests read that CSV.
//! A value that arrives without a unit is in the code's default unit, which for several metals is µg/L
//! (w20113 alkyl mercury: ng/L), not the mg/L of GB 3838: convert on ingest.
//!
//! The alternative metal codes w20138…w20144 (copper, zinc, selenium, arsenic, mercury, cadmium, lead,
//! without "total") default to mg/L except mercury and cadmium (µg/L); this follows the reference CSV
//! and an independent HJ 212-2017 code list, not the standard's own table.

/// One pollutant code.
#[derive(Debug, PartialEq, Eq)]
pub struct CodeInfo {
    /// HJ 212-2017 code (`w21003`).
    pub code: &'static str,
    /// HJ/T 212-2005 code (`060`), where there is one.
    pub old_code: Option<&'static str>,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    /// Default unit of a concentration (`-Rtd`, `-Avg`, `-Min`, `-Max`): `mg/L`, `ug/L`, `ng/L`, `NTU`,
    /// `uS/cm`, `degC`, `count/L`, `dimensionless`, `L/s`, `Bq/L`, `degree`.
    pub unit: &'static str,
    /// Default unit of a cumulative amount (`-Cou`), where the standard gives one.
    pub load_unit: Option<&'static str>,
    /// The key of the matching [`Parameter`](crate::domain::gb3838::Parameter) (`nh3n`, or a reported item
    /// such as `chla`), or `None` for codes of wastewater only (flow, colour, SS, TOC, total Cr, …).
    pub parameter: Option<&'static str>,
}

const fn code(
    code: &'static str,
    old_code: Option<&'static str>,
    names: (&'static str, &'static str),
    unit: &'static str,
    load_unit: Option<&'static str>,
    parameter: Option<&'static str>,
) -> CodeInfo {
    CodeInfo { code, old_code, name_zh: names.0, name_en: names.1, unit, load_unit, parameter }
}

const MG: &str = "mg/L";
const UG: &str = "ug/L";
const KG: Option<&str> = Some("kg");
const G: Option<&str> = Some("g");

/// Every water code riverchief knows, in the order of the reference CSV.
pub static CODES: [CodeInfo; 51] = [
    code("w00000", Some("B01"), ("污水(流量)", "wastewater flow"), "L/s", Some("m3"), None),
    code("w01001", Some("001"), ("pH值", "pH"), "dimensionless", None, Some("ph")),
    code("w01002", Some("002"), ("色度", "colour"), "degree", None, None),
    code("w01003", None, ("浊度", "turbidity"), "NTU", None, Some("turbidity")),
    code("w01009", None, ("溶解氧", "dissolved oxygen"), MG, None, Some("do")),
    code("w01010", None, ("水温", "water temperature"), "degC", None, Some("temp")),
    code("w01012", Some("003"), ("悬浮物", "suspended solids"), MG, KG, None),
    code("w01014", None, ("电导率", "conductivity"), "uS/cm", None, Some("conductivity")),
    code("w01016", None, ("叶绿素a", "chlorophyll a"), UG, None, Some("chla")),
    code("w01017", Some("010"), ("五日生化需氧量", "BOD5"), MG, KG, Some("bod5")),
    code("w01018", Some("011"), ("化学需氧量", "COD(Cr)"), MG, KG, Some("cod")),
    code("w01019", None, ("高锰酸盐指数", "permanganate index CODMn"), MG, KG, Some("codmn")),
    code("w01020", Some("015"), ("总有机碳", "TOC"), MG, KG, None),
    code("w02003", Some("550"), ("粪大肠菌群", "fecal coliform"), "count/L", None, Some("fecal_coliform")),
    code("w19002", Some("520"), ("阴离子表面活性剂", "anionic surfactant LAS"), MG, KG, Some("las")),
    code("w20111", Some("020"), ("总汞", "total mercury"), UG, G, Some("hg")),
    code("w20115", Some("022"), ("总镉", "total cadmium"), UG, G, Some("cd")),
    code("w20116", Some("023"), ("总铬", "total chromium"), MG, KG, None),
    code("w20117", Some("024"), ("六价铬", "hexavalent chromium"), UG, G, Some("cr6")),
    code("w20119", Some("026"), ("总砷", "total arsenic"), UG, G, Some("as")),
    code("w20120", Some("027"), ("总铅", "total lead"), UG, G, Some("pb")),
    code("w20122", Some("029"), ("总铜", "total copper"), MG, KG, Some("cu")),
    code("w20123", Some("030"), ("总锌", "total zinc"), MG, KG, Some("zn")),
    code("w20124", Some("031"), ("总锰", "total manganese"), MG, KG, Some("mn")),
    code("w20125", Some("032"), ("总铁", "total iron"), MG, KG, Some("fe")),
    code("w20128", Some("035"), ("总硒", "total selenium"), UG, G, Some("se")),
    // The alternative metal family: no old codes, no load units in the reference.
    code("w20138", None, ("铜", "copper"), MG, None, Some("cu")),
    code("w20139", None, ("锌", "zinc"), MG, None, Some("zn")),
    code("w20140", None, ("硒", "selenium"), MG, None, Some("se")),
    code("w20141", None, ("砷", "arsenic"), MG, None, Some("as")),
    code("w20142", None, ("汞", "mercury"), UG, None, Some("hg")),
    code("w20143", None, ("镉", "cadmium"), UG, None, Some("cd")),
    code("w20144", None, ("铅", "lead"), MG, None, Some("pb")),
    code("w21001", Some("065"), ("总氮", "total nitrogen"), MG, KG, Some("tn")),
    code("w21003", Some("060"), ("氨氮", "ammonia nitrogen"), MG, KG, Some("nh3n")),
    code("w21007", Some("064"), ("硝酸盐", "nitrate"), MG, KG, Some("no3n")),
    code("w21011", Some("101"), ("总磷", "total phosphorus"), MG, KG, Some("tp")),
    code("w21016", Some("070"), ("氰化物", "cyanide"), MG, KG, Some("cn")),
    code("w21017", Some("072"), ("氟化物", "fluoride"), MG, KG, Some("f")),
    code("w21019", Some("071"), ("硫化物", "sulfide"), MG, KG, Some("sulfide")),
    code("w21022", Some("090"), ("氯化物", "chloride"), MG, KG, Some("cl")),
    code("w21038", None, ("硫酸盐", "sulfate"), MG, KG, Some("so4")),
    code("w22001", Some("080"), ("石油类", "petroleum"), MG, KG, Some("oil")),
    code("w23002", Some("110"), ("挥发酚", "volatile phenol"), MG, KG, Some("phenol")),
    code("w20113", Some("021"), ("烷基汞", "alkyl mercury"), "ng/L", G, None),
    code("w20121", Some("028"), ("总镍", "total nickel"), MG, KG, None),
    code("w20126", Some("033"), ("总银", "total silver"), MG, KG, None),
    code("w20127", Some("034"), ("总铍", "total beryllium"), UG, G, None),
    code("w25043", Some("540"), ("苯并[a]芘", "benzo(a)pyrene"), UG, Some("mg"), None),
    code("w03001", Some("570"), ("总α放射性", "gross alpha"), "Bq/L", None, None),
    code("w03002", Some("571"), ("总β放射性", "gross beta"), "Bq/L", None, None),
];

/// The code `code` names: an HJ 212-2017 code of either metal family, or an HJ/T 212-2005 water code;
/// case-insensitive, surrounding spaces ignored.
pub fn lookup(code: &str) -> Option<&'static CodeInfo> {
    let code = code.trim();
    CODES
        .iter()
        .find(|c| c.code.eq_ignore_ascii_case(code) || c.old_code.is_some_and(|old| old.eq_ignore_ascii_case(code)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::gb3838::Parameter;

    const CSV: &str = include_str!("../../../data/hj212_2017_water_codes.csv");

    /// One expected table row, read from the CSV.
    #[derive(Debug)]
    struct Expected {
        code: String,
        old_code: Option<String>,
        names: Option<(String, String)>,
        unit: String,
        load_unit: Option<String>,
    }

    /// The CSV's rows, with the `w20138..w20144` range row spread into its seven codes: names from the
    /// `Cu/Zn/…` list, the unit before the parenthesis, and the `Hg,Cd: ug/L` exception inside it.
    fn expected() -> Vec<Expected> {
        let mut out = Vec::new();
        let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
        for row in crate::domain::reference_csv::rows(CSV) {
            let code = &row["code_2017"];
            let Some((first, last)) = code.split_once("..") else {
                out.push(Expected {
                    code: code.clone(),
                    old_code: some(&row["code_HJT212_2005"]),
                    names: Some((row["name_zh"].clone(), row["name_en"].clone())),
                    unit: row["default_unit_conc"].clone(),
                    load_unit: some(&row["default_unit_load"]),
                });
                continue;
            };
            let number = |c: &str| c.trim_start_matches('w').parse::<u32>().expect("numeric code");
            let symbols: Vec<&str> = row["name_en"].split_whitespace().next().expect("symbols").split('/').collect();
            let unit_text = &row["default_unit_conc"];
            let (default_unit, exception) = unit_text.split_once(" (").expect("unit with exceptions");
            let (except_symbols, except_unit) =
                exception.trim_end_matches(')').split_once(": ").expect("exception list");
            let codes: Vec<String> = (number(first)..=number(last)).map(|n| format!("w{n}")).collect();
            assert_eq!(codes.len(), symbols.len(), "one symbol per code");
            for (code, symbol) in codes.into_iter().zip(symbols) {
                let excepted = except_symbols.split(',').any(|s| s.trim() == symbol);
                out.push(Expected {
                    code,
                    old_code: some(&row["code_HJT212_2005"]),
                    names: None,
                    unit: if excepted { except_unit } else { default_unit }.to_string(),
                    load_unit: some(&row["default_unit_load"]),
                });
            }
        }
        out
    }

    #[test]
    fn every_reference_row_is_in_the_table_with_the_same_code_old_code_and_units() {
        let expected = expected();
        assert_eq!(expected.len(), CODES.len(), "the table holds exactly the reference rows");
        for (row, info) in expected.iter().zip(&CODES) {
            assert_eq!(info.code, row.code, "table order follows the CSV");
            assert_eq!(info.old_code.map(str::to_string), row.old_code, "{}", row.code);
            assert_eq!(info.unit, row.unit, "{}", row.code);
            assert_eq!(info.load_unit.map(str::to_string), row.load_unit, "{}", row.code);
            if let Some((zh, en)) = &row.names {
                assert_eq!((info.name_zh, info.name_en), (zh.as_str(), en.as_str()), "{}", row.code);
            }
            assert_eq!(lookup(&row.code), Some(info));
        }
    }

    #[test]
    fn the_alternative_metal_family_reads_as_the_csv_says() {
        let units: Vec<_> = ["w20138", "w20139", "w20140", "w20141", "w20142", "w20143", "w20144"]
            .iter()
            .map(|c| (lookup(c).map(|i| i.name_en), lookup(c).map(|i| i.unit)))
            .collect();
        assert_eq!(
            units,
            [
                (Some("copper"), Some("mg/L")),
                (Some("zinc"), Some("mg/L")),
                (Some("selenium"), Some("mg/L")),
                (Some("arsenic"), Some("mg/L")),
                (Some("mercury"), Some("ug/L")),
                (Some("cadmium"), Some("ug/L")),
                (Some("lead"), Some("mg/L")),
            ]
        );
    }

    #[test]
    fn lookup_takes_either_family_or_the_old_code_in_any_case() {
        assert_eq!(lookup("w21003").map(|i| i.parameter), Some(Some("nh3n")));
        assert_eq!(lookup("W21003").map(|i| i.code), Some("w21003"));
        assert_eq!(lookup(" 060 ").map(|i| i.code), Some("w21003"));
        assert_eq!(lookup("b01").map(|i| i.code), Some("w00000"));
        assert_eq!(lookup("w20142").map(|i| i.parameter), Some(Some("hg")));
        assert_eq!(lookup("w20111").map(|i| i.parameter), Some(Some("hg")));
        assert_eq!(lookup("w20113").map(|i| i.unit), Some("ng/L"));
        assert_eq!(lookup("w01003").map(|i| i.unit), Some("NTU"));
        assert_eq!(lookup("w01016").map(|i| (i.unit, i.parameter)), Some(("ug/L", Some("chla"))));
        assert_eq!(lookup("w99999"), None);
        assert_eq!(lookup(""), None);
    }

    #[test]
    fn parameter_keys_agree_with_gb3838_in_both_directions() {
        for info in &CODES {
            let Some(key) = info.parameter else { continue };
            let p = Parameter::parse(key).unwrap_or_else(|| panic!("{key} is not a GB 3838 key"));
            assert_eq!(p.key(), key);
            assert!(p.info().hj212_codes.contains(&info.code), "{} is not a code of {key}", info.code);
        }
        for p in Parameter::all() {
            for code in p.info().hj212_codes {
                assert_eq!(lookup(code).and_then(|i| i.parameter), Some(p.key()), "{code}");
            }
        }
    }

    #[test]
    fn items_riverchief_does_not_measure_on_surface_water_have_no_parameter() {
        // Chlorophyll-a, conductivity and turbidity are reported items (no GB 3838 class) since issue #8.
        for code in ["w00000", "w01002", "w01012", "w01020", "w20116", "w20113"] {
            assert_eq!(lookup(code).map(|i| i.parameter), Some(None), "{code}");
        }
    }
}
