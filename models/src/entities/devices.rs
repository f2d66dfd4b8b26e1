use sea_orm::entity::prelude::*;

/// An HJ 212 device (an automatic station or an enterprise's online monitor), known by its MN.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "devices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub mn: String,
    /// A surface-water station's section (ST 21).
    pub section_id: Option<i32>,
    /// An enterprise monitor's outfall (ST 32).
    pub outfall_id: Option<i32>,
    /// SHA-256 of the device password (PW), hex; none: any PW is taken.
    pub password_digest: Option<String>,
    /// JSON object: HJ 212 code → unit the device reports it in, where that is not the code's default.
    pub units: Option<String>,
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub last_frame_at: Option<DateTimeUtc>,
    pub last_cn: Option<String>,
    pub last_peer: Option<String>,
    pub frames: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
