//! Services of partner organisations, with their themes, networks and contact persons.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::networks::NetworkRow;
use super::partners::PartnerRow;
use super::schema::{
    networks, partners, service_contacts, service_networks, service_themes, services, themes,
};
use super::themes::ThemeRow;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = services)]
pub struct ServiceRow {
    pub id: String,
    pub partner_id: String,
    pub name: String,
    pub description: String,
    pub eligibility: String,
    pub email: String,
    pub url: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = service_contacts)]
pub struct ContactRow {
    pub id: String,
    pub service_id: String,
    pub position: i32,
    pub name: String,
    pub function: String,
    pub phone: String,
    pub email: String,
}

/// A service with everything a reader sees beside it.
#[derive(Debug, Clone)]
pub struct ServiceView {
    pub service: ServiceRow,
    pub partner: PartnerRow,
    pub themes: Vec<ThemeRow>,
    pub networks: Vec<NetworkRow>,
    pub contacts: Vec<ContactRow>,
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<ServiceRow> {
    services::table
        .find(id)
        .select(ServiceRow::as_select())
        .first(conn)
}

/// What the social-map query narrows in SQL; text search and ordering happen on the result.
#[derive(Debug, Default)]
pub struct ServiceFilter {
    pub theme: Option<String>,
    pub network_id: Option<String>,
    pub partner_id: Option<String>,
    /// `Some(true)`: the service and its partner are active; `Some(false)`: either is not.
    pub active: Option<bool>,
}

/// Services matching the filter, each with its partner.
pub fn candidates(
    conn: &mut DbConn,
    f: &ServiceFilter,
) -> QueryResult<Vec<(ServiceRow, PartnerRow)>> {
    let mut q = services::table
        .inner_join(partners::table)
        .select((ServiceRow::as_select(), PartnerRow::as_select()))
        .into_boxed();
    if let Some(t) = &f.theme {
        q = q.filter(
            services::id.eq_any(
                service_themes::table
                    .filter(service_themes::theme_code.eq(t.clone()))
                    .select(service_themes::service_id),
            ),
        );
    }
    if let Some(n) = &f.network_id {
        q = q.filter(
            services::id.eq_any(
                service_networks::table
                    .filter(service_networks::network_id.eq(n.clone()))
                    .select(service_networks::service_id),
            ),
        );
    }
    if let Some(p) = &f.partner_id {
        q = q.filter(services::partner_id.eq(p.clone()));
    }
    match f.active {
        Some(true) => q = q.filter(services::active.and(partners::active)),
        Some(false) => q = q.filter(services::active.eq(false).or(partners::active.eq(false))),
        None => {}
    }
    q.load(conn)
}

/// Attaches themes, networks and contacts to services, with one query each.
pub fn views(
    conn: &mut DbConn,
    rows: Vec<(ServiceRow, PartnerRow)>,
) -> QueryResult<Vec<ServiceView>> {
    let ids: Vec<String> = rows.iter().map(|(s, _)| s.id.clone()).collect();
    let mut by_theme: HashMap<String, Vec<ThemeRow>> = HashMap::new();
    let theme_rows: Vec<(String, ThemeRow)> = service_themes::table
        .inner_join(themes::table)
        .filter(service_themes::service_id.eq_any(&ids))
        .order((service_themes::service_id, themes::code))
        .select((service_themes::service_id, ThemeRow::as_select()))
        .load(conn)?;
    for (sid, t) in theme_rows {
        by_theme.entry(sid).or_default().push(t);
    }
    let mut by_network: HashMap<String, Vec<NetworkRow>> = HashMap::new();
    let network_rows: Vec<(String, NetworkRow)> = service_networks::table
        .inner_join(networks::table)
        .filter(service_networks::service_id.eq_any(&ids))
        .order((service_networks::service_id, networks::name, networks::id))
        .select((service_networks::service_id, NetworkRow::as_select()))
        .load(conn)?;
    for (sid, n) in network_rows {
        by_network.entry(sid).or_default().push(n);
    }
    let mut by_contact: HashMap<String, Vec<ContactRow>> = HashMap::new();
    let contact_rows: Vec<ContactRow> = service_contacts::table
        .filter(service_contacts::service_id.eq_any(&ids))
        .order((service_contacts::service_id, service_contacts::position))
        .select(ContactRow::as_select())
        .load(conn)?;
    for c in contact_rows {
        by_contact.entry(c.service_id.clone()).or_default().push(c);
    }
    Ok(rows
        .into_iter()
        .map(|(service, partner)| ServiceView {
            themes: by_theme.remove(&service.id).unwrap_or_default(),
            networks: by_network.remove(&service.id).unwrap_or_default(),
            contacts: by_contact.remove(&service.id).unwrap_or_default(),
            service,
            partner,
        })
        .collect())
}

pub fn view(conn: &mut DbConn, id: &str) -> QueryResult<ServiceView> {
    let row = services::table
        .inner_join(partners::table)
        .filter(services::id.eq(id))
        .select((ServiceRow::as_select(), PartnerRow::as_select()))
        .first(conn)?;
    Ok(views(conn, vec![row])?.remove(0))
}

pub fn insert(conn: &mut DbConn, row: &ServiceRow) -> QueryResult<()> {
    diesel::insert_into(services::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn update(conn: &mut DbConn, row: &ServiceRow) -> QueryResult<()> {
    diesel::update(services::table.find(&row.id))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

/// Replaces the service's themes (call inside the write transaction).
pub fn replace_themes(conn: &mut DbConn, id: &str, codes: &[String]) -> QueryResult<()> {
    diesel::delete(service_themes::table.filter(service_themes::service_id.eq(id)))
        .execute(conn)?;
    for code in codes {
        diesel::insert_into(service_themes::table)
            .values((
                service_themes::service_id.eq(id),
                service_themes::theme_code.eq(code),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Replaces the networks the service serves (call inside the write transaction).
pub fn replace_networks(conn: &mut DbConn, id: &str, network_ids: &[String]) -> QueryResult<()> {
    diesel::delete(service_networks::table.filter(service_networks::service_id.eq(id)))
        .execute(conn)?;
    for n in network_ids {
        diesel::insert_into(service_networks::table)
            .values((
                service_networks::service_id.eq(id),
                service_networks::network_id.eq(n),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Replaces the contact persons, keeping their order (call inside the write transaction).
pub fn replace_contacts(conn: &mut DbConn, id: &str, contacts: &[ContactRow]) -> QueryResult<()> {
    diesel::delete(service_contacts::table.filter(service_contacts::service_id.eq(id)))
        .execute(conn)?;
    for c in contacts {
        diesel::insert_into(service_contacts::table)
            .values(c)
            .execute(conn)?;
    }
    Ok(())
}

/// The themes a service currently has (to tell a kept retired theme from a new reference).
pub fn theme_codes(conn: &mut DbConn, id: &str) -> QueryResult<Vec<String>> {
    service_themes::table
        .filter(service_themes::service_id.eq(id))
        .select(service_themes::theme_code)
        .load(conn)
}

pub fn delete(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    // The link tables cascade on PostgreSQL and on SQLite (foreign_keys = ON); delete them
    // explicitly anyway so the behaviour does not hang on a pragma.
    diesel::delete(service_themes::table.filter(service_themes::service_id.eq(id)))
        .execute(conn)?;
    diesel::delete(service_networks::table.filter(service_networks::service_id.eq(id)))
        .execute(conn)?;
    diesel::delete(service_contacts::table.filter(service_contacts::service_id.eq(id)))
        .execute(conn)?;
    diesel::delete(services::table.find(id)).execute(conn)?;
    Ok(())
}
