//! The access rule of every route, and the table of them that the router is built with. Kept apart from
//! `auth` so that the state can hold the table without depending on the middleware that reads it.

use axum::http::Method;

use models::domain::authz::Action;

/// What a route requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Anyone (health, sign-in, the API description).
    Public,
    /// An API action: 401 without credentials, 403 when the matrix refuses.
    Api(Action),
    /// A web page: without a session, a redirect to the sign-in page.
    Page(Action),
}

/// Every route's rule by method and path pattern (as axum matches it), collected by `routes` as each route
/// is registered, so a path is written once. A route without a rule serves nobody.
#[derive(Debug, Clone, Default)]
pub struct RuleTable {
    rules: Vec<(Method, String, Rule)>,
}

impl RuleTable {
    pub fn add(&mut self, method: Method, path: &str, rule: Rule) {
        self.rules.push((method, path.to_string(), rule));
    }

    /// The rule for a matched route. HEAD is answered by the GET route.
    pub fn rule_for(&self, method: &Method, path: &str) -> Option<Rule> {
        let method = if method == Method::HEAD { &Method::GET } else { method };
        self.rules.iter().find(|(m, p, _)| m == method && p == path).map(|(_, _, rule)| *rule)
    }

    /// Whether any method of this path has a rule.
    pub fn has_path(&self, path: &str) -> bool {
        self.rules.iter().any(|(_, p, _)| p == path)
    }

    /// Every (method, path, rule), in registration order.
    pub fn iter(&self) -> impl Iterator<Item = (&Method, &str, Rule)> {
        self.rules.iter().map(|(m, p, r)| (m, p.as_str(), *r))
    }
}
