use sea_orm::entity::prelude::*;

/// A frame the receiver did not store as readings, and why: an unknown device, a wrong password, a
/// device with nowhere to put its data.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "device_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub at: DateTimeUtc,
    pub mn: Option<String>,
    pub peer: String,
    pub kind: String,
    pub cn: Option<String>,
    pub detail: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
