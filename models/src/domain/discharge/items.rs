//! What is measured: the discharge items both standards limit, with their keys, HJ 212 codes and units.

use std::fmt;

use serde::Serialize;

use crate::domain::gb3838::Parameter;

/// A discharge item (排放控制项目). Where the item is also a GB 3838 item its key is the GB 3838 key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DischargeItem {
    Ph,
    Colour,
    Ss,
    Bod5,
    Cod,
    Toc,
    Oil,
    AnimalOil,
    Phenol,
    Cn,
    Sulfide,
    Nh3n,
    Tn,
    Tp,
    Phosphate,
    F,
    Formaldehyde,
    Anilines,
    Nitrobenzenes,
    Las,
    Cu,
    Zn,
    Mn,
    Se,
    FecalColiform,
    Hg,
    AlkylHg,
    Cd,
    TotalCr,
    Cr6,
    As,
    Pb,
    Ni,
    Bap,
    Be,
    Ag,
    GrossAlpha,
    GrossBeta,
}

/// What is known about one discharge item.
#[derive(Debug)]
pub struct ItemInfo {
    pub item: DischargeItem,
    /// Stable key used in the API, the database and reports.
    pub key: &'static str,
    /// HJ 212-2017 codes: the first is the one the discharge tables give; metals shared with GB 3838 also
    /// accept the alternative family (w20138…w20144), as GB 3838 does. Empty where HJ 212 has no code.
    pub hj212_codes: &'static [&'static str],
    pub name_zh: &'static str,
    pub name_en: &'static str,
    /// Unit of the standards (and of values given to [`judge`](super::judge)).
    pub unit: &'static str,
    /// The same item in GB 3838, if it is one.
    pub gb3838: Option<Parameter>,
}

const MG_L: &str = "mg/L";

const fn item(
    item: DischargeItem,
    key: &'static str,
    hj212_codes: &'static [&'static str],
    names: (&'static str, &'static str),
    unit: &'static str,
    gb3838: Option<Parameter>,
) -> ItemInfo {
    ItemInfo { item, key, hj212_codes, name_zh: names.0, name_en: names.1, unit, gb3838 }
}

/// Every item either discharge table limits, in the order of [`DischargeItem`].
static ITEMS: [ItemInfo; 38] = [
    item(DischargeItem::Ph, "ph", &["w01001"], ("pH值", "pH"), "无量纲", Some(Parameter::Ph)),
    // Both discharge standards measure colour as a dilution ratio (稀释倍数), not in platinum-cobalt degrees.
    item(DischargeItem::Colour, "colour", &["w01002"], ("色度", "colour (dilution ratio)"), "倍", None),
    item(DischargeItem::Ss, "ss", &["w01012"], ("悬浮物", "suspended solids"), MG_L, None),
    item(
        DischargeItem::Bod5,
        "bod5",
        &["w01017"],
        ("五日生化需氧量", "five-day biochemical oxygen demand"),
        MG_L,
        Some(Parameter::Bod5),
    ),
    item(DischargeItem::Cod, "cod", &["w01018"], ("化学需氧量", "chemical oxygen demand"), MG_L, Some(Parameter::Cod)),
    item(DischargeItem::Toc, "toc", &["w01020"], ("总有机碳", "total organic carbon"), MG_L, None),
    item(DischargeItem::Oil, "oil", &["w22001"], ("石油类", "petroleum"), MG_L, Some(Parameter::Oil)),
    item(DischargeItem::AnimalOil, "animal_oil", &[], ("动植物油", "animal and vegetable oil"), MG_L, None),
    item(DischargeItem::Phenol, "phenol", &["w23002"], ("挥发酚", "volatile phenol"), MG_L, Some(Parameter::Phenol)),
    item(DischargeItem::Cn, "cn", &["w21016"], ("总氰化合物", "total cyanide"), MG_L, Some(Parameter::Cn)),
    item(DischargeItem::Sulfide, "sulfide", &["w21019"], ("硫化物", "sulfide"), MG_L, Some(Parameter::Sulfide)),
    item(DischargeItem::Nh3n, "nh3n", &["w21003"], ("氨氮", "ammonia nitrogen"), MG_L, Some(Parameter::Nh3n)),
    item(DischargeItem::Tn, "tn", &["w21001"], ("总氮", "total nitrogen"), MG_L, Some(Parameter::Tn)),
    item(DischargeItem::Tp, "tp", &["w21011"], ("总磷", "total phosphorus"), MG_L, Some(Parameter::Tp)),
    // Phosphate (as P) is not total phosphorus: it is a separate GB 8978 item without an HJ 212 code.
    item(DischargeItem::Phosphate, "phosphate", &[], ("磷酸盐", "phosphate (as P)"), MG_L, None),
    item(DischargeItem::F, "f", &["w21017"], ("氟化物", "fluoride"), MG_L, Some(Parameter::F)),
    item(DischargeItem::Formaldehyde, "formaldehyde", &[], ("甲醛", "formaldehyde"), MG_L, None),
    item(DischargeItem::Anilines, "anilines", &[], ("苯胺类", "anilines"), MG_L, None),
    item(DischargeItem::Nitrobenzenes, "nitrobenzenes", &[], ("硝基苯类", "nitrobenzenes"), MG_L, None),
    item(
        DischargeItem::Las,
        "las",
        &["w19002"],
        ("阴离子表面活性剂", "anionic surfactant (LAS)"),
        MG_L,
        Some(Parameter::Las),
    ),
    item(DischargeItem::Cu, "cu", &["w20122", "w20138"], ("总铜", "total copper"), MG_L, Some(Parameter::Cu)),
    item(DischargeItem::Zn, "zn", &["w20123", "w20139"], ("总锌", "total zinc"), MG_L, Some(Parameter::Zn)),
    item(DischargeItem::Mn, "mn", &["w20124"], ("总锰", "total manganese"), MG_L, Some(Parameter::Mn)),
    item(DischargeItem::Se, "se", &["w20128", "w20140"], ("总硒", "total selenium"), MG_L, Some(Parameter::Se)),
    item(
        DischargeItem::FecalColiform,
        "fecal_coliform",
        &["w02003"],
        ("粪大肠菌群数", "fecal coliform"),
        "个/L",
        Some(Parameter::FecalColiform),
    ),
    item(DischargeItem::Hg, "hg", &["w20111", "w20142"], ("总汞", "total mercury"), MG_L, Some(Parameter::Hg)),
    item(DischargeItem::AlkylHg, "alkyl_hg", &["w20113"], ("烷基汞", "alkyl mercury"), MG_L, None),
    item(DischargeItem::Cd, "cd", &["w20115", "w20143"], ("总镉", "total cadmium"), MG_L, Some(Parameter::Cd)),
    item(DischargeItem::TotalCr, "total_cr", &["w20116"], ("总铬", "total chromium"), MG_L, None),
    item(DischargeItem::Cr6, "cr6", &["w20117"], ("六价铬", "hexavalent chromium"), MG_L, Some(Parameter::Cr6)),
    item(DischargeItem::As, "as", &["w20119", "w20141"], ("总砷", "total arsenic"), MG_L, Some(Parameter::As)),
    item(DischargeItem::Pb, "pb", &["w20120", "w20144"], ("总铅", "total lead"), MG_L, Some(Parameter::Pb)),
    item(DischargeItem::Ni, "ni", &["w20121"], ("总镍", "total nickel"), MG_L, None),
    item(DischargeItem::Bap, "bap", &["w25043"], ("苯并(a)芘", "benzo(a)pyrene"), MG_L, None),
    item(DischargeItem::Be, "be", &["w20127"], ("总铍", "total beryllium"), MG_L, None),
    item(DischargeItem::Ag, "ag", &["w20126"], ("总银", "total silver"), MG_L, None),
    item(DischargeItem::GrossAlpha, "gross_alpha", &["w03001"], ("总α放射性", "gross alpha activity"), "Bq/L", None),
    item(DischargeItem::GrossBeta, "gross_beta", &["w03002"], ("总β放射性", "gross beta activity"), "Bq/L", None),
];

impl DischargeItem {
    pub fn info(self) -> &'static ItemInfo {
        // ITEMS is in declaration order of the enum; the unit tests hold that invariant.
        &ITEMS[self as usize]
    }

    /// Every item, in table order.
    pub fn all() -> impl Iterator<Item = DischargeItem> {
        ITEMS.iter().map(|info| info.item)
    }

    /// An item key (`animal_oil`) or an HJ 212-2017 code (`w21003`), case-insensitive.
    pub fn parse(s: &str) -> Option<DischargeItem> {
        let s = s.trim();
        ITEMS
            .iter()
            .find(|info| info.key.eq_ignore_ascii_case(s) || info.hj212_codes.iter().any(|c| c.eq_ignore_ascii_case(s)))
            .map(|info| info.item)
    }

    pub fn key(self) -> &'static str {
        self.info().key
    }

    pub fn name_zh(self) -> &'static str {
        self.info().name_zh
    }

    pub fn name_en(self) -> &'static str {
        self.info().name_en
    }

    pub fn unit(self) -> &'static str {
        self.info().unit
    }

    /// Limited as a mass concentration in mg/L, so a value in µg/L or ng/L converts to it.
    pub fn is_concentration(self) -> bool {
        self.unit() == MG_L
    }

    /// The HJ 212-2017 code, where there is one.
    pub fn hj212_code(self) -> Option<&'static str> {
        self.info().hj212_codes.first().copied()
    }

    /// The same item in GB 3838, if it is one.
    pub fn gb3838_parameter(self) -> Option<Parameter> {
        self.info().gb3838
    }
}

impl fmt::Display for DischargeItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_table_order_matches_the_enum_and_keys_are_serde_names() {
        for (i, info) in ITEMS.iter().enumerate() {
            assert_eq!(info.item as usize, i, "{}", info.key);
            let json = serde_json::to_string(&info.item).expect("serialise");
            assert_eq!(json, format!("\"{}\"", info.key));
        }
    }

    /// Items that are GB 3838 items share its key and accept every code GB 3838 accepts for them.
    #[test]
    fn shared_items_use_gb3838_keys_and_codes() {
        for item in DischargeItem::all() {
            if let Some(p) = item.gb3838_parameter() {
                assert_eq!(item.key(), p.key(), "{item}");
                for code in p.info().hj212_codes {
                    assert_eq!(DischargeItem::parse(code), Some(item), "{item} {code}");
                }
            } else {
                assert_eq!(Parameter::parse(item.key()), None, "{item} is a GB 3838 key: link it");
            }
        }
    }

    #[test]
    fn item_parse_accepts_keys_and_codes_case_insensitively() {
        assert_eq!(DischargeItem::parse("cod"), Some(DischargeItem::Cod));
        assert_eq!(DischargeItem::parse(" W01018 "), Some(DischargeItem::Cod));
        assert_eq!(DischargeItem::parse("ANIMAL_OIL"), Some(DischargeItem::AnimalOil));
        assert_eq!(DischargeItem::parse("w20116"), Some(DischargeItem::TotalCr));
        assert_eq!(DischargeItem::parse("w20142"), Some(DischargeItem::Hg));
        assert_eq!(DischargeItem::parse("w25043"), Some(DischargeItem::Bap));
        assert_eq!(DischargeItem::parse("codmn"), None);
        assert_eq!(DischargeItem::parse(""), None);
        for item in DischargeItem::all() {
            assert_eq!(DischargeItem::parse(item.key()), Some(item));
            assert!(!item.name_zh().is_empty() && !item.name_en().is_empty());
        }
        assert_eq!(DischargeItem::Colour.unit(), "倍");
        assert_eq!(DischargeItem::GrossBeta.unit(), "Bq/L");
    }

    /// The GB 8978 Category I items outside GB 3838 are named by their HJ 212-2017 codes too.
    #[test]
    fn category_i_codes_name_their_items() {
        for (code, item) in [
            ("w20113", DischargeItem::AlkylHg),
            ("w20121", DischargeItem::Ni),
            ("w20126", DischargeItem::Ag),
            ("w20127", DischargeItem::Be),
            ("w25043", DischargeItem::Bap),
            ("w03001", DischargeItem::GrossAlpha),
            ("w03002", DischargeItem::GrossBeta),
        ] {
            assert_eq!(DischargeItem::parse(code), Some(item), "{code}");
            assert_eq!(DischargeItem::parse(&code.to_uppercase()), Some(item), "{code}");
            assert_eq!(item.hj212_code(), Some(code));
        }
        let not_concentrations: Vec<DischargeItem> = DischargeItem::all().filter(|i| !i.is_concentration()).collect();
        assert_eq!(
            not_concentrations,
            [
                DischargeItem::Ph,
                DischargeItem::Colour,
                DischargeItem::FecalColiform,
                DischargeItem::GrossAlpha,
                DischargeItem::GrossBeta
            ]
        );
    }
}
