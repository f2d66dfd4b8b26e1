//! The fixed part of the demo: places, water bodies, sections, enterprises and users.

use models::domain::gb3838::{WaterBodyKind, WaterClass};
use models::domain::{ControlLevel, RegionLevel, Role};

/// Qingyunpu District, Nanchang (administrative code 360104).
pub const DISTRICT: (&str, &str) = ("360104", "青云谱区");

/// Streets and the town of the district: (demo code, name, level).
pub const STREETS: [(&str, &str, RegionLevel); 6] = [
    ("360104001000", "洪都街道", RegionLevel::Street),
    ("360104002000", "京山街道", RegionLevel::Street),
    ("360104003000", "三家店街道", RegionLevel::Street),
    ("360104004000", "岱山街道", RegionLevel::Street),
    ("360104005000", "徐家坊街道", RegionLevel::Street),
    ("360104100000", "青云谱镇", RegionLevel::Town),
];

pub struct WaterBody {
    pub code: &'static str,
    pub name: &'static str,
    pub kind: WaterBodyKind,
    pub description: &'static str,
}

pub const WATER_BODIES: [WaterBody; 5] = [
    WaterBody {
        code: "FHGD",
        name: "抚河故道",
        kind: WaterBodyKind::River,
        description: "抚河故道青云谱段（演示数据）",
    },
    WaterBody { code: "XH", name: "象湖", kind: WaterBodyKind::Lake, description: "城市湖泊（演示数据）" },
    WaterBody {
        code: "MH", name: "梅湖", kind: WaterBodyKind::Lake, description: "梅湖景区湖泊（演示数据）"
    },
    WaterBody {
        code: "THH", name: "桃花河", kind: WaterBodyKind::River, description: "城市内河（演示数据）"
    },
    WaterBody {
        code: "YDH", name: "玉带河", kind: WaterBodyKind::River, description: "城市内河（演示数据）"
    },
];

/// District-level chief of each water body: (water body code, name).
pub const DISTRICT_CHIEFS: [(&str, &str); 5] =
    [("FHGD", "万国梁"), ("XH", "熊丽萍"), ("MH", "涂建华"), ("THH", "邓志远"), ("YDH", "胡晓春")];

pub struct Section {
    pub code: &'static str,
    pub name: &'static str,
    pub water_body: &'static str,
    pub street: &'static str,
    pub lon: f64,
    pub lat: f64,
    pub control: ControlLevel,
    pub target: WaterClass,
    pub station_mn: Option<&'static str>,
    /// How polluted the section runs, as a share of the class III limit (1.0 = at the limit).
    pub load: f64,
    /// Growth of NH3-N and TP over the two years (0.6 = 60 % higher at the end): a worsening river.
    pub worsening: f64,
}

/// Fields most sections share; each section below names what differs.
const SECTION: Section = Section {
    code: "",
    name: "",
    water_body: "",
    street: "",
    lon: 0.0,
    lat: 0.0,
    control: ControlLevel::District,
    target: WaterClass::III,
    station_mn: None,
    load: 1.0,
    worsening: 0.0,
};

pub const SECTIONS: [Section; 12] = [
    Section {
        code: "QYP-01",
        name: "洪都大桥",
        water_body: "FHGD",
        street: "360104001000",
        lon: 115.9142,
        lat: 28.6371,
        control: ControlLevel::Municipal,
        target: WaterClass::III,
        load: 0.78,
        ..SECTION
    },
    Section {
        code: "QYP-02",
        name: "京山闸",
        water_body: "FHGD",
        street: "360104002000",
        lon: 115.9086,
        lat: 28.6233,
        control: ControlLevel::District,
        target: WaterClass::IV,
        load: 1.05,
        ..SECTION
    },
    Section {
        code: "QYP-03",
        name: "青云谱出境",
        water_body: "FHGD",
        street: "360104100000",
        lon: 115.9031,
        lat: 28.6048,
        control: ControlLevel::Provincial,
        target: WaterClass::III,
        load: 0.74,
        station_mn: Some("36010400000001"),
        ..SECTION
    },
    Section {
        code: "QYP-04",
        name: "北湖心",
        water_body: "XH",
        street: "360104004000",
        lon: 115.8882,
        lat: 28.6322,
        control: ControlLevel::Municipal,
        target: WaterClass::III,
        load: 0.72,
        station_mn: Some("36010400000002"),
        ..SECTION
    },
    Section {
        code: "QYP-05",
        name: "南湖出口",
        water_body: "XH",
        street: "360104005000",
        lon: 115.8921,
        lat: 28.6189,
        control: ControlLevel::District,
        target: WaterClass::III,
        load: 0.82,
        ..SECTION
    },
    Section {
        code: "QYP-06",
        name: "湖心",
        water_body: "MH",
        street: "360104100000",
        lon: 115.9247,
        lat: 28.6102,
        control: ControlLevel::Municipal,
        target: WaterClass::III,
        load: 0.62,
        ..SECTION
    },
    Section {
        code: "QYP-07",
        name: "景区入口",
        water_body: "MH",
        street: "360104100000",
        lon: 115.9302,
        lat: 28.6139,
        control: ControlLevel::District,
        target: WaterClass::IV,
        load: 1.0,
        ..SECTION
    },
    Section {
        code: "QYP-08",
        name: "三家店",
        water_body: "THH",
        street: "360104003000",
        lon: 115.9188,
        lat: 28.6447,
        control: ControlLevel::District,
        target: WaterClass::IV,
        load: 1.15,
        ..SECTION
    },
    Section {
        code: "QYP-09",
        name: "入象湖口",
        water_body: "THH",
        street: "360104004000",
        lon: 115.8957,
        lat: 28.6281,
        control: ControlLevel::Municipal,
        target: WaterClass::IV,
        load: 1.0,
        worsening: 0.55,
        ..SECTION
    },
    Section {
        code: "QYP-10",
        name: "青山路",
        water_body: "YDH",
        street: "360104005000",
        lon: 115.9064,
        lat: 28.6528,
        control: ControlLevel::District,
        target: WaterClass::IV,
        load: 1.08,
        worsening: 0.6,
        ..SECTION
    },
    Section {
        code: "QYP-11",
        name: "京山出境",
        water_body: "YDH",
        street: "360104002000",
        lon: 115.9021,
        lat: 28.6409,
        control: ControlLevel::Provincial,
        target: WaterClass::III,
        load: 0.8,
        worsening: 0.7,
        ..SECTION
    },
    Section {
        code: "QYP-12",
        name: "上游",
        water_body: "THH",
        street: "360104003000",
        lon: 115.9245,
        lat: 28.6501,
        control: ControlLevel::District,
        target: WaterClass::IV,
        load: 0.95,
        ..SECTION
    },
];

/// The demo `chief` user is the village chief of this section.
pub const CHIEF_USER_SECTION: &str = "QYP-03";

pub struct Outfall {
    pub code: &'static str,
    pub name: &'static str,
    pub receiving: &'static str,
    pub standard: &'static str,
    pub station_mn: Option<&'static str>,
    pub lon: f64,
    pub lat: f64,
}

pub struct Enterprise {
    /// The first 17 characters; the check character is computed (GB 32100).
    pub credit_code_17: &'static str,
    pub name: &'static str,
    pub street: &'static str,
    pub address: &'static str,
    pub industry: &'static str,
    pub key_unit: bool,
    pub contact: &'static str,
    pub contact_phone: &'static str,
    pub outfalls: &'static [Outfall],
}

pub const ENTERPRISES: [Enterprise; 4] = [
    Enterprise {
        credit_code_17: "91360104MA3500001",
        name: "南昌青云示例污水处理有限公司（演示）",
        street: "360104100000",
        address: "青云谱镇示例路 1 号（演示）",
        industry: "污水处理及其再生利用",
        key_unit: true,
        contact: "演示联系人甲",
        contact_phone: DEMO_PHONES[0],
        outfalls: &[Outfall {
            code: "DW001",
            name: "总排口",
            receiving: "FHGD",
            standard: "gb18918:1A",
            station_mn: Some("36010432000001"),
            lon: 115.9012,
            lat: 28.6079,
        }],
    },
    Enterprise {
        credit_code_17: "91360104MA3500002",
        name: "江西洪都示例机械制造有限公司（演示）",
        street: "360104001000",
        address: "洪都街道示例大道 88 号（演示）",
        industry: "通用设备制造",
        key_unit: false,
        contact: "演示联系人乙",
        contact_phone: DEMO_PHONES[1],
        outfalls: &[
            Outfall {
                code: "DW001",
                name: "车间排口（第一类污染物）",
                receiving: "YDH",
                standard: "gb8978:1",
                station_mn: None,
                lon: 115.9101,
                lat: 28.6491,
            },
            Outfall {
                code: "DW002",
                name: "总排口",
                receiving: "YDH",
                standard: "gb8978:1",
                station_mn: None,
                lon: 115.9097,
                lat: 28.6486,
            },
        ],
    },
    Enterprise {
        credit_code_17: "91360104MA3500003",
        name: "南昌三家店示例食品有限公司（演示）",
        street: "360104003000",
        address: "三家店街道示例路 16 号（演示）",
        industry: "食品制造",
        key_unit: false,
        contact: "演示联系人丙",
        contact_phone: DEMO_PHONES[2],
        outfalls: &[Outfall {
            code: "DW001",
            name: "总排口",
            receiving: "THH",
            standard: "gb8978:1",
            station_mn: None,
            lon: 115.9203,
            lat: 28.6462,
        }],
    },
    Enterprise {
        credit_code_17: "91360104MA3500004",
        name: "南昌京山示例印染有限公司（演示）",
        street: "360104002000",
        address: "京山街道示例路 9 号（演示）",
        industry: "纺织印染",
        key_unit: true,
        contact: "演示联系人丁",
        contact_phone: DEMO_PHONES[3],
        outfalls: &[Outfall {
            code: "DW001",
            name: "总排口（接入市政管网）",
            receiving: "FHGD",
            standard: "gb8978:3",
            station_mn: Some("36010432000002"),
            lon: 115.9073,
            lat: 28.6215,
        }],
    },
];

/// A demo phone number that can reach nobody: China has no reserved fictional range, so the numbers
/// start with `000`, which is neither a mobile prefix nor an area code.
pub fn demo_phone(n: usize) -> String {
    format!("000-0791-{n:04}")
}

/// The enterprises' contact numbers (see [`demo_phone`]).
const DEMO_PHONES: [&str; 4] = ["000-0791-0401", "000-0791-0402", "000-0791-0403", "000-0791-0404"];

/// One demo account per role. The passwords are public (README) and for the demo only.
pub struct DemoUser {
    pub username: &'static str,
    pub password: &'static str,
    pub role: Role,
    pub display_name: &'static str,
    pub email: Option<&'static str>,
}

pub const DEMO_USERS: [DemoUser; 4] = [
    DemoUser {
        username: "admin",
        password: "admin-demo",
        role: Role::Admin,
        display_name: "系统管理员（演示）",
        email: Some("admin@demo.riverchief.invalid"),
    },
    DemoUser {
        username: "bureau",
        password: "bureau-demo",
        role: Role::Bureau,
        display_name: "区生态环境局（演示）",
        email: Some("bureau@demo.riverchief.invalid"),
    },
    DemoUser {
        username: "chief",
        password: "chief-demo",
        role: Role::Chief,
        display_name: "抚河故道村级河长（演示）",
        email: None,
    },
    DemoUser {
        username: "enterprise",
        password: "enterprise-demo",
        role: Role::Enterprise,
        display_name: "污水处理厂环保专员（演示）",
        email: None,
    },
];

const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "罗",
    "熊",
];
const GIVEN: [&str; 16] = [
    "建国", "秀英", "志强", "丽华", "海涛", "红梅", "国平", "晓燕", "卫东", "春兰", "文斌", "玉珍", "小军", "桂英",
    "宏伟", "美玲",
];

/// A made-up name, the same for the same `n` on every run.
pub fn person_name(n: usize) -> String {
    format!("{}{}", SURNAMES[(n * 7) % SURNAMES.len()], GIVEN[(n * 5 + n / 16) % GIVEN.len()])
}
