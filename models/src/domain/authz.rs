//! Who may do what: the authorisation matrix of caller × action → scope, in one place. The HTTP layer
//! maps every endpoint to an [`Action`], asks [`decide`], and hands the resulting [`Grant`] to the
//! handler, which limits its query to it.

use serde::Serialize;

use super::Role;

/// Everything a caller can ask of riverchief.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Sections, their readings and classes, assessments, the front page.
    ReadSections,
    /// Store readings.
    SubmitReadings,
    /// Enterprises, their outfalls and self-checks.
    ReadEnterprises,
    /// Alerts and their state.
    ReadAlerts,
    /// One's own account; signing out.
    ReadOwnAccount,
    /// Create, list, disable users.
    ManageUsers,
    /// Create, list, revoke API keys.
    ManageApiKeys,
    /// Read the audit log and its verification.
    ReadAudit,
    /// Create, change and retire regions, water bodies, reaches, sections, chiefs and appointments; import
    /// and export the registry.
    ManageRegistry,
    /// Register HJ 212 devices (MN, section or outfall, password, units); read their state and events.
    ManageDevices,
    /// Set or clear a reading's quality flag by hand.
    FlagReadings,
}

impl Action {
    pub const ALL: [Action; 11] = [
        Self::ReadSections,
        Self::SubmitReadings,
        Self::ReadEnterprises,
        Self::ReadAlerts,
        Self::ReadOwnAccount,
        Self::ManageUsers,
        Self::ManageApiKeys,
        Self::ReadAudit,
        Self::ManageRegistry,
        Self::ManageDevices,
        Self::FlagReadings,
    ];

    pub fn zh(self) -> &'static str {
        match self {
            Self::ReadSections => "查看断面与水质评价",
            Self::SubmitReadings => "提交监测数据",
            Self::ReadEnterprises => "查看企业信息",
            Self::ReadAlerts => "查看预警",
            Self::ReadOwnAccount => "查看本人账号",
            Self::ManageUsers => "管理用户",
            Self::ManageApiKeys => "管理接口密钥",
            Self::ReadAudit => "查看审计日志",
            Self::ManageRegistry => "管理河湖与河长登记信息",
            Self::ManageDevices => "管理在线监测设备",
            Self::FlagReadings => "标记或清除监测数据的质控标识",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Self::ReadSections => "read sections and assessments",
            Self::SubmitReadings => "submit readings",
            Self::ReadEnterprises => "read enterprises",
            Self::ReadAlerts => "read alerts",
            Self::ReadOwnAccount => "read one's own account",
            Self::ManageUsers => "manage users",
            Self::ManageApiKeys => "manage API keys",
            Self::ReadAudit => "read the audit log",
            Self::ManageRegistry => "manage the registry",
            Self::ManageDevices => "manage monitoring devices",
            Self::FlagReadings => "set or clear readings' quality flags",
        }
    }
}

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Anonymous,
    User {
        user_id: i32,
        role: Role,
        chief_id: Option<i32>,
        enterprise_id: Option<i32>,
    },
    /// A machine key, limited to one section or one outfall.
    ApiKey {
        key_id: i32,
        section_id: Option<i32>,
        outfall_id: Option<i32>,
    },
}

/// The kinds of caller the matrix has a column for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallerKind {
    Anonymous,
    Admin,
    Bureau,
    Chief,
    Enterprise,
    ApiKey,
}

impl CallerKind {
    pub const ALL: [CallerKind; 6] =
        [Self::Anonymous, Self::Admin, Self::Bureau, Self::Chief, Self::Enterprise, Self::ApiKey];
}

impl Caller {
    pub fn kind(&self) -> CallerKind {
        match self {
            Caller::Anonymous => CallerKind::Anonymous,
            Caller::ApiKey { .. } => CallerKind::ApiKey,
            Caller::User { role: Role::Admin, .. } => CallerKind::Admin,
            Caller::User { role: Role::Bureau, .. } => CallerKind::Bureau,
            Caller::User { role: Role::Chief, .. } => CallerKind::Chief,
            Caller::User { role: Role::Enterprise, .. } => CallerKind::Enterprise,
        }
    }
}

/// How much an allowed caller reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "scope", content = "id")]
pub enum Grant {
    /// Everything.
    All,
    /// What lies in this river chief's reach (the sections in their chain, the enterprises discharging
    /// into their waters).
    Chain(i32),
    /// One enterprise's own data.
    Enterprise(i32),
    /// One section (a station's key).
    Section(i32),
    /// One outfall (an enterprise system's key).
    Outfall(i32),
    /// The caller's own account.
    Own(i32),
}

/// Why a request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not signed in (401).
    SignInRequired,
    /// Signed in, but not allowed (403).
    Forbidden,
}

/// One cell of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    Deny,
    All,
    /// Everything, for anonymous callers only when the installation makes readings public.
    IfPublic,
    /// The river chief's reach.
    Chain,
    /// The enterprise user's own enterprise.
    OwnEnterprise,
    /// The key's own section.
    KeySection,
    /// The key's own account (users only).
    OwnAccount,
}

use Rule::*;

/// The matrix. Columns: anonymous, admin, bureau, chief, enterprise, API key.
pub const MATRIX: [(Action, [Rule; 6]); 11] = [
    (Action::ReadSections, [IfPublic, All, All, All, All, Deny]),
    (Action::SubmitReadings, [Deny, All, All, Deny, Deny, KeySection]),
    (Action::ReadEnterprises, [Deny, All, All, Chain, OwnEnterprise, Deny]),
    (Action::ReadAlerts, [Deny, All, All, Chain, Deny, Deny]),
    (Action::ReadOwnAccount, [Deny, OwnAccount, OwnAccount, OwnAccount, OwnAccount, Deny]),
    (Action::ManageUsers, [Deny, All, Deny, Deny, Deny, Deny]),
    (Action::ManageApiKeys, [Deny, All, Deny, Deny, Deny, Deny]),
    (Action::ReadAudit, [Deny, All, Deny, Deny, Deny, Deny]),
    (Action::ManageRegistry, [Deny, All, All, Deny, Deny, Deny]),
    (Action::ManageDevices, [Deny, All, Deny, Deny, Deny, Deny]),
    (Action::FlagReadings, [Deny, All, Deny, Deny, Deny, Deny]),
];

pub fn rule(kind: CallerKind, action: Action) -> Rule {
    let column = CallerKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
    MATRIX.iter().find(|(a, _)| *a == action).map_or(Deny, |(_, rules)| rules[column])
}

/// Decides whether `caller` may do `action`, and how much of the data it reaches.
pub fn decide(caller: &Caller, action: Action, public_read: bool) -> Result<Grant, Refusal> {
    let refuse = || if *caller == Caller::Anonymous { Refusal::SignInRequired } else { Refusal::Forbidden };
    match (rule(caller.kind(), action), caller) {
        (All, _) => Ok(Grant::All),
        (IfPublic, _) if public_read => Ok(Grant::All),
        (Chain, Caller::User { chief_id: Some(chief), .. }) => Ok(Grant::Chain(*chief)),
        (OwnEnterprise, Caller::User { enterprise_id: Some(e), .. }) => Ok(Grant::Enterprise(*e)),
        (KeySection, Caller::ApiKey { section_id: Some(s), .. }) => Ok(Grant::Section(*s)),
        (OwnAccount, Caller::User { user_id, .. }) => Ok(Grant::Own(*user_id)),
        // A chief without a chief record, an enterprise user without an enterprise, an outfall key asking
        // for readings: nothing to reach.
        _ => Err(refuse()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role) -> Caller {
        Caller::User { user_id: 7, role, chief_id: Some(3), enterprise_id: Some(5) }
    }

    #[test]
    fn every_action_has_a_row_and_anonymous_callers_are_asked_to_sign_in() {
        for action in Action::ALL {
            assert!(MATRIX.iter().any(|(a, _)| *a == action), "{action:?} has no row");
            if action != Action::ReadSections {
                assert_eq!(decide(&Caller::Anonymous, action, true), Err(Refusal::SignInRequired));
            }
        }
    }

    #[test]
    fn sections_are_public_only_when_configured() {
        assert_eq!(decide(&Caller::Anonymous, Action::ReadSections, false), Err(Refusal::SignInRequired));
        assert_eq!(decide(&Caller::Anonymous, Action::ReadSections, true), Ok(Grant::All));
    }

    #[test]
    fn chiefs_and_enterprises_reach_only_their_own() {
        assert_eq!(decide(&user(Role::Chief), Action::ReadAlerts, false), Ok(Grant::Chain(3)));
        assert_eq!(decide(&user(Role::Chief), Action::ReadEnterprises, false), Ok(Grant::Chain(3)));
        assert_eq!(decide(&user(Role::Enterprise), Action::ReadEnterprises, false), Ok(Grant::Enterprise(5)));
        assert_eq!(decide(&user(Role::Enterprise), Action::ReadAlerts, false), Err(Refusal::Forbidden));
        let unlinked = Caller::User { user_id: 8, role: Role::Chief, chief_id: None, enterprise_id: None };
        assert_eq!(decide(&unlinked, Action::ReadAlerts, false), Err(Refusal::Forbidden));
    }

    #[test]
    fn only_admins_manage_and_keys_only_submit_for_their_section() {
        for role in [Role::Bureau, Role::Chief, Role::Enterprise] {
            assert_eq!(decide(&user(role), Action::ManageUsers, false), Err(Refusal::Forbidden));
        }
        assert_eq!(decide(&user(Role::Admin), Action::ManageUsers, false), Ok(Grant::All));
        let station = Caller::ApiKey { key_id: 1, section_id: Some(9), outfall_id: None };
        assert_eq!(decide(&station, Action::SubmitReadings, false), Ok(Grant::Section(9)));
        assert_eq!(decide(&station, Action::ReadSections, true), Err(Refusal::Forbidden));
        let outfall = Caller::ApiKey { key_id: 2, section_id: None, outfall_id: Some(4) };
        assert_eq!(decide(&outfall, Action::SubmitReadings, false), Err(Refusal::Forbidden));
    }
}
