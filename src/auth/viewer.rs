//! Who is asking and what they may reach: the one answer to "who may read a case", "what a
//! school sees" and "what the coordinator sees".
//!
//! A `Viewer` is built once per request, from the token and the database: the coordinator; a
//! social worker with the schools of their current assignments (so a reassignment takes effect
//! at the next request); a school account with its school and network; a partner account with
//! its partner organisation and, when that is a parent organisation (a CAW), its
//! sub-organisations (read from the social map at each request). Every query of objects
//! that belong to schools takes its scope from here, so what is not yours is simply not found.
//! Handlers choose a view with an exhaustive `match` on [`Viewer::sees`]: a new role is a compile
//! error wherever its view must be decided.

use std::ops::Deref;

use chrono::Utc;

use crate::auth::AuthUser;
use crate::db::activities::ActivityScope;
use crate::db::assignments::schools_of_worker;
use crate::db::cases::CaseScope;
use crate::db::{DbConn, optional, schools};
use crate::domain::Role;
use crate::domain::ids::{NetworkId, SchoolId};

/// What a caller reaches, by role.
#[derive(Debug, Clone)]
pub enum Reach {
    /// The programme's coordinator: every school, metadata and aggregates only.
    Coordinator,
    /// A social worker: the schools of their assignments valid today.
    SocialWorker { schools: Vec<SchoolId> },
    /// A school account: its own school, in its network.
    School {
        school_id: SchoolId,
        network_id: Option<NetworkId>,
    },
    /// A partner account: its own organisation, and the organisations below it in the social
    /// map (a parent's account answers for its sub-organisations; a sub-organisation's account
    /// only for itself). `partners` holds the own id first.
    Partner {
        partner_id: String,
        partners: Vec<String>,
    },
}

/// Which view of the programme's objects a caller gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sees {
    /// Metadata and aggregates, never family data or free text about a family (coordinator).
    Metadata,
    /// The case team's full view of its schools' objects (social worker).
    CaseTeam,
    /// What the school raised, with what the family consented to share (school account).
    School,
    /// The referrals sent to its organisation, with the package the consent allows (partner).
    Partner,
}

/// Whose objects a caller may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Managed<'a> {
    Anyone,
    Only(&'a str),
    Nobody,
}

/// The caller of one request, with what they reach.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user: AuthUser,
    pub reach: Reach,
}

impl Deref for Viewer {
    type Target = AuthUser;
    fn deref(&self) -> &AuthUser {
        &self.user
    }
}

impl Reach {
    /// Reads what `user` reaches now. Call on a connection of the request.
    pub fn load(conn: &mut DbConn, user: &AuthUser) -> diesel::QueryResult<Reach> {
        Ok(match user.role {
            Role::Coordinator => Reach::Coordinator,
            Role::SocialWorker => Reach::SocialWorker {
                schools: schools_of_worker(conn, &user.id, Utc::now().date_naive())?,
            },
            Role::School => {
                // The extractor refuses a school account without a school; an empty id reaches
                // nothing.
                let school_id = SchoolId::from(user.school_id.clone().unwrap_or_default());
                let network_id =
                    optional(schools::find(conn, &school_id))?.map(|s| NetworkId(s.network_id));
                Reach::School {
                    school_id,
                    network_id,
                }
            }
            Role::Partner => {
                // The extractor refuses a partner account without a partner; an empty id
                // reaches nothing.
                let partner_id = user.partner_id.clone().unwrap_or_default();
                let partners = crate::db::partners::with_descendants(conn, &partner_id)?;
                Reach::Partner {
                    partner_id,
                    partners,
                }
            }
        })
    }
}

impl Viewer {
    /// The viewer of an account row (for callers that authenticate otherwise than by bearer
    /// token, such as calendar feeds).
    pub fn load(
        conn: &mut DbConn,
        row: crate::db::users::UserRow,
        request_id: String,
        client_addr: String,
    ) -> diesel::QueryResult<Viewer> {
        let user = AuthUser::from_row(row, request_id, client_addr);
        let reach = Reach::load(conn, &user)?;
        Ok(Viewer { user, reach })
    }

    /// The view this caller gets of school-owned objects.
    pub fn sees(&self) -> Sees {
        match self.reach {
            Reach::Coordinator => Sees::Metadata,
            Reach::SocialWorker { .. } => Sees::CaseTeam,
            Reach::School { .. } => Sees::School,
            Reach::Partner { .. } => Sees::Partner,
        }
    }

    /// The schools this caller acts for; `None` is every school (the coordinator).
    pub fn schools(&self) -> Option<Vec<SchoolId>> {
        match &self.reach {
            Reach::Coordinator => None,
            Reach::SocialWorker { schools } => Some(schools.clone()),
            Reach::School { school_id, .. } => Some(vec![school_id.clone()]),
            // A partner acts for no school: school-owned objects are not found.
            Reach::Partner { .. } => Some(vec![]),
        }
    }

    /// The schools in scope, narrowed to the one asked for (asking outside the scope leaves
    /// nothing); `None` is every school.
    pub fn schools_narrowed(&self, asked: Option<SchoolId>) -> Option<Vec<SchoolId>> {
        match (self.schools(), asked) {
            (None, None) => None,
            (None, Some(s)) => Some(vec![s]),
            (Some(own), None) => Some(own),
            (Some(own), Some(s)) => Some(own.into_iter().filter(|o| *o == s).collect()),
        }
    }

    /// Whether this caller acts for `school_id` now.
    pub fn acts_for(&self, school_id: &str) -> bool {
        match &self.reach {
            Reach::Coordinator => true,
            Reach::SocialWorker { schools } => schools.iter().any(|s| *s == school_id),
            Reach::School { school_id: own, .. } => *own == school_id,
            Reach::Partner { .. } => false,
        }
    }

    /// A school account's own school.
    pub fn own_school(&self) -> Option<&str> {
        match &self.reach {
            Reach::School { school_id, .. } => Some(school_id.as_str()),
            Reach::Coordinator | Reach::SocialWorker { .. } | Reach::Partner { .. } => None,
        }
    }

    /// Refuses (403 by role) a partner account before any lookup of what belongs to schools
    /// (cases, assignments, the programme's figures): it reaches only the referrals sent to it.
    pub fn reaches_school_objects(&self) -> crate::error::ApiResult<()> {
        match &self.reach {
            Reach::Partner { .. } => Err(crate::error::ApiError::Forbidden(crate::msg!(
                RoleForbidden,
                role = self.user.role
            ))),
            Reach::Coordinator | Reach::SocialWorker { .. } | Reach::School { .. } => Ok(()),
        }
    }

    /// A partner account's own organisation.
    pub fn own_partner(&self) -> Option<&str> {
        match &self.reach {
            Reach::Partner { partner_id, .. } => Some(partner_id.as_str()),
            Reach::Coordinator | Reach::SocialWorker { .. } | Reach::School { .. } => None,
        }
    }

    /// The organisations whose referrals a partner account answers (its own and those below
    /// it); `None` for every other role.
    pub fn partner_reach(&self) -> Option<&[String]> {
        match &self.reach {
            Reach::Partner { partners, .. } => Some(partners),
            Reach::Coordinator | Reach::SocialWorker { .. } | Reach::School { .. } => None,
        }
    }

    /// The network whose meetings this caller reaches; `None` is every network. A school account
    /// reaches its own network's only (none when its school has gone).
    pub fn meeting_network(&self) -> Option<&str> {
        match &self.reach {
            Reach::Coordinator | Reach::SocialWorker { .. } => None,
            Reach::School { network_id, .. } => Some(network_id.as_deref().unwrap_or_default()),
            // Partners take no part in meetings through the API (403 by policy); were they
            // asked, an empty network reaches nothing.
            Reach::Partner { .. } => Some(""),
        }
    }

    /// A social worker's own id (their sessions, activities, visits).
    pub fn own_worker(&self) -> Option<&str> {
        match &self.reach {
            Reach::SocialWorker { .. } => Some(&self.user.id),
            Reach::Coordinator | Reach::School { .. } | Reach::Partner { .. } => None,
        }
    }

    /// Whose cases (and the referrals hanging on them) this caller reaches.
    pub fn case_scope(&self) -> CaseScope {
        match &self.reach {
            Reach::Coordinator => CaseScope::All,
            Reach::SocialWorker { schools } => CaseScope::Schools(schools.clone()),
            Reach::School { school_id, .. } => CaseScope::SchoolRaised {
                school_id: school_id.clone(),
            },
            Reach::Partner { partners, .. } => CaseScope::Partner {
                partners: partners.clone(),
            },
        }
    }

    /// Which activities this caller lists and edits: a worker their own, a school its school's.
    pub fn activity_scope(&self) -> ActivityScope {
        match &self.reach {
            Reach::Coordinator => ActivityScope::All,
            Reach::SocialWorker { .. } => ActivityScope::Owner(self.user.id.clone()),
            Reach::School { school_id, .. } => ActivityScope::School(school_id.to_string()),
            // No school's activities (policy refuses partners anyway).
            Reach::Partner { .. } => ActivityScope::School(String::new()),
        }
    }

    /// Which activities count in this caller's figures: a worker's own and those at their
    /// schools.
    pub fn activity_figures_scope(&self) -> ActivityScope {
        match &self.reach {
            Reach::SocialWorker { schools } => ActivityScope::OwnerOrSchools(
                self.user.id.clone(),
                schools.iter().map(|s| s.to_string()).collect(),
            ),
            Reach::Coordinator | Reach::School { .. } | Reach::Partner { .. } => {
                self.activity_scope()
            }
        }
    }

    /// Narrows a filter by worker and school (assignments, sessions) to what the caller may
    /// see: a worker their own, a school its school's. `None` when the filter asks for someone
    /// else's: the answer is then empty, not an error.
    pub fn narrow_worker_school(
        &self,
        worker: Option<String>,
        school: Option<String>,
    ) -> Option<(Option<String>, Option<String>)> {
        let (mut w, mut s) = (worker.clone(), school.clone());
        match &self.reach {
            Reach::Coordinator => {}
            Reach::SocialWorker { .. } => w = Some(self.user.id.clone()),
            Reach::School { school_id, .. } => s = Some(school_id.to_string()),
            // No school has this id: a partner's filter finds nothing.
            Reach::Partner { .. } => s = Some(String::new()),
        }
        let mismatch = (worker.is_some() && worker != w) || (school.is_some() && school != s);
        (!mismatch).then_some((w, s))
    }

    /// The same for one object: the worker and school it must have for this caller to see it.
    pub fn object_worker_school(&self) -> (Option<&str>, Option<&str>) {
        match &self.reach {
            Reach::Coordinator => (None, None),
            Reach::SocialWorker { .. } => (Some(&self.user.id), None),
            Reach::School { school_id, .. } => (None, Some(school_id)),
            Reach::Partner { .. } => (None, Some("")),
        }
    }

    /// Whose sessions this caller may change: the coordinator anyone's, a worker their own, a
    /// school account nobody's.
    pub fn managed_workers(&self) -> Managed<'_> {
        match &self.reach {
            Reach::Coordinator => Managed::Anyone,
            Reach::SocialWorker { .. } => Managed::Only(&self.user.id),
            Reach::School { .. } | Reach::Partner { .. } => Managed::Nobody,
        }
    }

    /// Part of the key under which figures are shared: callers with the same scope share them.
    pub fn figures_scope_key(&self) -> String {
        match &self.reach {
            Reach::Coordinator => "all".to_string(),
            Reach::SocialWorker { .. } => format!("worker:{}", self.user.id),
            Reach::School { school_id, .. } => format!("school:{school_id}"),
            Reach::Partner { partner_id, .. } => format!("partner:{partner_id}"),
        }
    }

    /// The smallest count figures show: the coordinator chooses (default none); for anyone
    /// else at least the configured threshold, since their figures cover few families.
    pub fn suppress_below(&self, asked: Option<i64>, configured: i64) -> i64 {
        match self.sees() {
            Sees::Metadata => asked.unwrap_or(0),
            Sees::CaseTeam | Sees::School | Sees::Partner => asked.unwrap_or(0).max(configured),
        }
    }

    /// The calendar feeds this caller may subscribe to, as paths without the token.
    pub fn calendar_feeds(&self) -> Vec<String> {
        match &self.reach {
            Reach::Coordinator | Reach::Partner { .. } => vec![],
            Reach::School { school_id, .. } => {
                vec![format!("/api/v1/calendar/schools/{school_id}.ics")]
            }
            Reach::SocialWorker { schools } => {
                let mut f = vec![format!("/api/v1/calendar/workers/{}.ics", self.user.id)];
                f.extend(
                    schools
                        .iter()
                        .map(|s| format!("/api/v1/calendar/schools/{s}.ics")),
                );
                f
            }
        }
    }
}
