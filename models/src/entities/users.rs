use sea_orm::entity::prelude::*;

use crate::domain::Role;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub display_name: Option<String>,
    pub chief_id: Option<i32>,
    pub enterprise_id: Option<i32>,
    pub disabled: bool,
    pub created_at: DateTimeUtc,
    /// Where reports go (bureau staff).
    pub email: Option<String>,
    /// Failed sign-ins since the last success.
    pub failed_logins: i32,
    pub last_failed_login_at: Option<DateTimeUtc>,
    /// Sign-in is refused until then.
    pub locked_until: Option<DateTimeUtc>,
}

// Hand-written so the password hash never reaches a log.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
