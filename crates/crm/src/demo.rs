//! `crm demo` (issue 4 point 1): a realistic demo company, the same for the same `--seed`.
//! Divisions, users for every default role and products through their use cases; then
//! customers with contacts, interactions, orders and service requests, each parsed like user
//! input and written in batches of a thousand through the store's bulk loader
//! (`load_histories`: multi-row statements, one transaction and one audit row per batch).
//! Dates run over the ten years up to today.

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use indicatif::ProgressBar;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use crm_core::Error;
use crm_core::access::actions as access;
use crm_core::access::{AccessStore, Actor, AuditStamp, NewDivision, UserInput};
use crm_core::base_data::ProductInput;
use crm_core::base_data::actions as base_data;
use crm_core::customers::actions as customers;
use crm_core::customers::{
    ContactInput, CustomerHistory, CustomerInput, CustomerStore, InteractionInput, NewContact, NewCustomer,
    NewInteraction, NewOrder, OrderInput, OrderLineInput,
};
use crm_core::listing::ListRequest;
use crm_core::sales::OpportunityStore;
use crm_core::sales::opportunities::{NewOpportunity, OpportunityInput};
use crm_core::service::{NewServiceRequest, PastServiceRequest, Progress, ServiceRequestInput, ServiceStore, Targets};
use crm_store::Db;

use crate::tabular::lookup::enabled_entries;

/// Customers written per transaction, with their history: about 20,000 rows.
const BATCH: usize = 1000;

/// The divisions: name and code.
pub const DIVISIONS: [(&str, &str); 3] = [("华东", "huadong"), ("华北", "huabei"), ("华南", "huanan")];

/// Roles given to one user per division; `admin` and `executive` get one user for all.
const DIVISION_ROLES: [&str; 3] = ["director", "manager", "division_admin"];

const SURNAMES: [&str; 40] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林",
    "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于",
    "蒋", "蔡",
];
const GIVEN: [&str; 48] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞",
    "平", "刚", "桂英", "建华", "晓东", "志强", "海燕", "文博", "子涵", "思远", "雨婷", "浩然", "欣怡", "宇轩", "梓萱",
    "俊杰", "佳怡", "建国", "春梅", "立新", "玉兰", "国强", "丽华", "红梅", "永刚", "晨", "斌", "鑫", "琳",
];
/// The first characters of trade names (字号).
const BRAND_A: [&str; 30] = [
    "华", "鑫", "恒", "瑞", "嘉", "博", "宏", "盛", "泰", "中", "金", "永", "新", "天", "东", "正", "信", "远", "汇",
    "隆", "德", "安", "康", "凯", "腾", "明", "宇", "丰", "通", "佳",
];
const BRAND_B: [&str; 30] = [
    "达", "源", "昌", "润", "科", "兴", "发", "诚", "茂", "和", "成", "创", "晟", "辉", "瀚", "锐", "禾", "邦", "航",
    "益", "美", "力", "诺", "捷", "翔", "拓", "峰", "泽", "银", "亿",
];
/// Business words and the company form.
const TRADES: [&str; 16] = [
    "科技",
    "贸易",
    "电子",
    "机械",
    "化工",
    "物流",
    "建材",
    "食品",
    "医药",
    "纺织",
    "软件",
    "能源",
    "环保",
    "包装",
    "汽车配件",
    "信息技术",
];
const FORMS: [&str; 3] = ["有限公司", "股份有限公司", "实业有限公司"];
const TITLES: [&str; 8] =
    ["总经理", "采购经理", "财务总监", "技术负责人", "销售主管", "行政主管", "副总经理", "工程师"];
const OPPORTUNITY_SUMMARIES: [&str; 6] =
    ["年度设备采购", "办公网络改造", "软件系统升级", "原材料长期供货", "售后服务续约", "新厂区配套项目"];
const SUMMARIES: [&str; 10] = [
    "电话回访，了解近期需求",
    "上门拜访，介绍新产品",
    "发送报价单",
    "商务洽谈，讨论合同条款",
    "售后回访，客户满意",
    "参加客户年会",
    "微信沟通交货时间",
    "技术交流会",
    "节日问候",
    "催收货款",
];
const PLACES: [&str; 5] = ["客户办公室", "我司会议室", "电话", "线上会议", "展会"];
/// Service requests: the code of their service type, summary and what the contact asked.
const SERVICE_REQUESTS: [(&str, &str, &str); 11] = [
    ("consultation", "咨询设备保修期限", "去年采购的服务器保修到哪天，过保后如何续保？"),
    ("consultation", "咨询软件授权升级", "标准版软件授权能否升级到企业版，差价怎么计算？"),
    ("consultation", "咨询网络扩容方案", "新增两间办公室，想了解交换机和布线的扩容方案及报价。"),
    ("consultation", "询问发票开具进度", "上月订单的增值税专用发票还没有收到，请告知开票进度。"),
    ("suggestion", "建议增加夜间服务热线", "晚上设备出问题时找不到人，建议提供夜间值班电话。"),
    ("suggestion", "建议安排操作培训", "新员工较多，希望安排一次设备使用和日常维护培训。"),
    ("suggestion", "建议调整送货时间", "希望送货安排在上午，避开下午的生产高峰。"),
    ("complaint", "监控摄像头画面中断", "仓库两台监控摄像头多次断线，影响夜间值守，要求尽快处理。"),
    ("complaint", "服务器频繁死机", "新购服务器本周死机三次，业务系统受影响，要求派人检修。"),
    ("complaint", "交货延期", "订单约定上周交货，至今未到，影响项目进度。"),
    ("complaint", "安装人员迟到", "约定上午九点上门安装，工程师十一点才到，希望改进。"),
];
const HANDLINGS: [&str; 6] = [
    "电话指导客户完成设置，问题已解决",
    "工程师上门检修，更换故障部件",
    "远程排查，调整配置后恢复正常",
    "补发配件并安排重新安装",
    "整理需求转产品部门，已书面答复客户",
    "核实情况后向客户说明原因并致歉，调整后续安排",
];
/// The customer's answers that archive a request, and those that send it back.
const RESULTS: [&str; 4] =
    ["客户确认问题已解决", "客户对处理结果满意", "客户认可处理结果，希望今后响应更快", "客户表示感谢"];
const REWORKS: [&str; 2] = ["问题仍未解决，客户要求再次处理", "客户对答复不满意，要求进一步说明"];
/// Products: name, model, unit, price in yuan.
const PRODUCTS: [(&str, &str, &str, u32); 12] = [
    ("工业路由器", "R-200", "台", 1280),
    ("交换机", "S-48", "台", 3600),
    ("服务器", "X-740", "台", 28_000),
    ("网络存储", "NAS-8", "台", 9800),
    ("UPS 电源", "U-3K", "台", 4500),
    ("监控摄像头", "C-4MP", "个", 460),
    ("光纤模块", "SFP-10G", "个", 320),
    ("机柜", "42U", "台", 2200),
    ("运维服务", "年度", "年", 12_000),
    ("软件授权", "标准版", "套", 6800),
    ("网线", "CAT6", "箱", 650),
    ("安装调试", "次", "次", 1500),
];

#[derive(Debug, Clone)]
pub struct Options {
    pub customers: usize,
    pub seed: u64,
    /// The password of every demo user.
    pub password: String,
    pub force: bool,
}

/// What was made, for the final message.
#[derive(Debug, Default)]
pub struct Summary {
    pub users: Vec<String>,
    pub customers: usize,
    pub contacts: usize,
    pub interactions: usize,
    pub orders: usize,
    pub opportunities: usize,
    pub service_requests: usize,
    /// Rows written with the customers: the records, order lines, search documents and phone keys.
    pub rows: u64,
    /// Time spent generating and writing the customers and their rows.
    pub loading: std::time::Duration,
}

/// Per customer: contacts, interactions and orders (the "about 3, 10, 2").
pub const CONTACTS_PER_CUSTOMER: usize = 3;
pub const INTERACTIONS_PER_CUSTOMER: usize = 10;
pub const ORDERS_PER_CUSTOMER: usize = 2;
/// Every other customer has an open sales opportunity (the "0.5").
pub const OPPORTUNITY_EVERY: usize = 2;
/// Every fifth customer has a service request (the "about 0.2").
pub const SERVICE_REQUEST_EVERY: usize = 5;

fn pick<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
    list.get(rng.random_range(0..list.len())).copied().unwrap_or_default()
}

fn person_name(rng: &mut StdRng) -> String {
    format!("{}{}", pick(rng, &SURNAMES), pick(rng, &GIVEN))
}

/// A city's short name for a company name: 杭州市 → 杭州.
fn short_region(label: &str) -> &str {
    label.strip_suffix('市').filter(|s| s.chars().count() >= 2).unwrap_or(label)
}

/// Whether the database has customers already.
pub async fn has_customers(db: &Db) -> Result<bool, Error> {
    let page = customers::list_customers(db, &Actor::system(), &ListRequest::first("name", 1)).await?;
    Ok(!page.items.is_empty())
}

pub async fn run(db: &Db, options: &Options, bar: &ProgressBar) -> Result<Summary, Error> {
    let system = Actor::system();
    let mut rng = StdRng::seed_from_u64(options.seed);
    let mut summary = Summary::default();

    // Divisions and users.
    let mut divisions = Vec::new();
    for (name, code) in DIVISIONS {
        let division = match db.division_by_name(name).await? {
            Some(d) => d,
            None => access::create_division(db, &system, NewDivision::parse(name, code)?).await?,
        };
        divisions.push((division.id, code));
    }
    let all: Vec<Uuid> = divisions.iter().map(|(id, _)| *id).collect();
    let mut wanted: Vec<(String, &str, Vec<Uuid>)> =
        vec![("admin".into(), "admin", all.clone()), ("executive".into(), "executive", all.clone())];
    for (id, code) in &divisions {
        for role in DIVISION_ROLES {
            wanted.push((format!("{code}_{role}"), role, vec![*id]));
        }
    }
    // Customers of a division belong to its manager.
    let mut owners: Vec<(Uuid, Uuid)> = Vec::new();
    for (username, role, division_ids) in wanted {
        let user_id = match db.login_record(&username).await? {
            Some(record) => record.user_id,
            None => {
                let input = UserInput {
                    username: username.clone(),
                    password: options.password.clone(),
                    display_name: Some(person_name(&mut rng)),
                    roles: vec![role.to_string()],
                    division_ids: division_ids.clone(),
                    ..Default::default()
                };
                let user = access::create_user(db, &system, input).await?;
                summary.users.push(username);
                user.id
            }
        };
        if role == "manager" {
            owners.extend(division_ids.iter().map(|d| (*d, user_id)));
        }
    }

    // Dictionary entries and products.
    // Cities (regions under a province), each with its short name for company names.
    let cities: Vec<(String, Uuid)> = enabled_entries(db, &system, "region")
        .await?
        .into_iter()
        .filter(|e| e.parent_id.is_some())
        .map(|e| (short_region(&e.label).to_string(), e.id))
        .collect();
    let levels: Vec<Uuid> = enabled_entries(db, &system, "customer_level").await?.into_iter().map(|e| e.id).collect();
    let industries: Vec<Uuid> = enabled_entries(db, &system, "industry").await?.into_iter().map(|e| e.id).collect();
    let kinds: Vec<Uuid> = enabled_entries(db, &system, "interaction_kind").await?.into_iter().map(|e| e.id).collect();
    let mut service_types = Vec::new();
    for entry in enabled_entries(db, &system, "service_type").await? {
        service_types.push(ServiceType {
            targets: db.service_targets(entry.id).await?,
            code: entry.code,
            id: entry.id,
        });
    }
    // With --force on a database that has them already, the demo products are reused.
    let existing = crate::tabular::lookup::Products::load(db, &system).await?;
    let mut products = Vec::new();
    for (name, model, unit, price) in PRODUCTS {
        if let Some(id) = existing.find("product", name, Some(model), &mut Vec::new()) {
            products.push((id, price));
            continue;
        }
        let input = ProductInput {
            name: name.into(),
            model: Some(model.into()),
            unit: Some(unit.into()),
            price: Some(format!("{price}.00")),
            ..Default::default()
        };
        let product = base_data::create_product(db, &system, input).await?;
        products.push((product.id, price));
    }

    let stages: Vec<Uuid> =
        db.list_pipeline_stages().await?.into_iter().filter(|s| s.outcome.is_none()).map(|s| s.id).collect();

    let now = Utc::now();
    let today = now.date_naive();
    let stamp = AuditStamp::of(&system);
    let start = today - Duration::days(3650);
    let world = World { cities, levels, industries, kinds, service_types, products, owners, stages, start };
    bar.set_length(options.customers as u64);
    let mut names = HashSet::new();
    let mut done = 0;
    db.prepare_bulk_load().await?;
    let started = std::time::Instant::now();
    while done < options.customers {
        let size = BATCH.min(options.customers - done);
        let mut batch = Vec::with_capacity(size);
        let mut opportunities = Vec::with_capacity(size / OPPORTUNITY_EVERY + 1);
        for i in done..done + size {
            let mut history = world.customer(&mut rng, i, &mut names, today)?;
            if i % OPPORTUNITY_EVERY == 0 {
                opportunities.push(world.opportunity(&mut rng, &history, today)?);
            }
            if i % SERVICE_REQUEST_EVERY == 0 {
                let request = world.service_request(&mut rng, &history, now)?;
                history.service_requests.extend(request);
            }
            summary.contacts += history.contacts.len();
            summary.interactions += history.interactions.len();
            summary.orders += history.orders.len();
            summary.service_requests += history.service_requests.len();
            batch.push(history);
        }
        summary.rows += db.load_histories(&batch, today, &stamp).await?;
        // Through the store's create, which keeps the board's totals: an opportunity row, its
        // audit row and its totals row.
        db.create_opportunities(&opportunities, today, &stamp).await?;
        summary.opportunities += opportunities.len();
        summary.rows += 3 * opportunities.len() as u64;
        summary.customers += size;
        done += size;
        bar.inc(size as u64);
    }
    summary.loading = started.elapsed();
    Ok(summary)
}

/// What the generated customers are made of.
struct World {
    /// Cities (regions under a province) with their short names for company names.
    cities: Vec<(String, Uuid)>,
    levels: Vec<Uuid>,
    industries: Vec<Uuid>,
    kinds: Vec<Uuid>,
    service_types: Vec<ServiceType>,
    /// Products with their price in yuan.
    products: Vec<(Uuid, u32)>,
    /// (division, its manager): customers go round them.
    owners: Vec<(Uuid, Uuid)>,
    /// The open stages of the pipeline.
    stages: Vec<Uuid>,
    /// Ten years before today.
    start: NaiveDate,
}

fn any<T: Copy>(rng: &mut StdRng, list: &[T]) -> Option<T> {
    list.get(rng.random_range(0..list.len().max(1))).copied()
}

/// An enabled service type with its response and resolution targets.
struct ServiceType {
    code: Option<String>,
    id: Uuid,
    targets: Targets,
}

/// A step of a service request's workflow, as the generator plays it.
#[derive(Clone, Copy)]
enum Step {
    Assign,
    Handle,
    /// Feedback rated below 3, which sends the request back to its handler.
    SendBack,
    /// Feedback rated 3 or more, which archives it.
    Archive,
}

impl World {
    /// An open opportunity with the customer, in some open stage, closing within half a year.
    fn opportunity(
        &self,
        rng: &mut StdRng,
        history: &CustomerHistory,
        today: NaiveDate,
    ) -> Result<NewOpportunity, Error> {
        let contact = history.contacts.first().map(|(_, c)| c);
        let input = OpportunityInput {
            customer_name: history.customer.name.clone(),
            customer_id: Some(history.id),
            summary: pick(rng, &OPPORTUNITY_SUMMARIES).into(),
            contact_name: contact.map(|c| c.name.clone()),
            contact_phone: contact.and_then(|c| c.mobile.clone()),
            division_id: Some(history.customer.division_id),
            stage_id: any(rng, &self.stages),
            amount: Some(format!("{}.00", rng.random_range(1..=2000) * 500)),
            expected_close_date: Some((today + Duration::days(rng.random_range(-30..=180))).to_string()),
            ..Default::default()
        };
        NewOpportunity::parse(input, None, history.customer.owner_id)
    }

    /// A service request from one of the customer's contacts, taken by the customer's owner,
    /// who handles it too, after the customer was created. Most went through to the archive
    /// (some after a second round) within the ten years; the rest came in lately and are new,
    /// assigned or handled. `None` without an enabled service type.
    fn service_request(
        &self,
        rng: &mut StdRng,
        history: &CustomerHistory,
        now: DateTime<Utc>,
    ) -> Result<Option<PastServiceRequest>, Error> {
        let Some((code, summary, request)) = any(rng, &SERVICE_REQUESTS) else { return Ok(None) };
        let kind = self.service_types.iter().find(|t| t.code.as_deref() == Some(code));
        let Some(kind) = kind.or_else(|| self.service_types.get(rng.random_range(0..self.service_types.len().max(1))))
        else {
            return Ok(None);
        };
        let contact = history.contacts.get(rng.random_range(0..history.contacts.len().max(1))).map(|(_, c)| c);
        let request = match contact {
            Some(c) => format!("{}{}来电反映：{request}", c.title.as_deref().unwrap_or_default(), c.name),
            None => request.to_string(),
        };
        let input = ServiceRequestInput {
            customer_id: Some(history.id),
            type_id: Some(kind.id),
            summary: summary.into(),
            request,
        };
        let handler = history.customer.owner_id;
        let new = NewServiceRequest::parse(input, handler, kind.targets)?;

        use Step::*;
        // Without an owner there is no one to give it to: it stays new.
        let plan: &[Step] = match (handler, rng.random_range(0..100)) {
            (None, _) => &[],
            (Some(_), 0..68) => &[Assign, Handle, Archive],
            (Some(_), 68..80) => &[Assign, Handle, SendBack, Handle, Archive],
            (Some(_), 80..86) => &[Assign, Handle],
            (Some(_), 86..91) => &[Assign],
            (Some(_), 91..94) => &[Assign, Handle, SendBack],
            (Some(_), _) => &[],
        };
        // Within the customer's life; a customer made today may carry a time later than now.
        let (first, last) = (history.created_at, now.max(history.created_at));
        let between = |rng: &mut StdRng, from: DateTime<Utc>, to: DateTime<Utc>| {
            from + Duration::minutes(rng.random_range(0..=(to - from).num_minutes().max(0)))
        };
        // The open ones came in lately, the new ones within twice the response target and the
        // others within the resolution target, so that some but not most are late.
        let recent = |minutes: i64| (last - Duration::minutes(minutes)).max(first);
        let created_at = match plan.last() {
            Some(Archive) => between(rng, first, (last - Duration::days(30)).max(first)),
            Some(_) => between(rng, recent(kind.targets.resolution_minutes), last),
            None => between(rng, recent(2 * kind.targets.response_minutes), last),
        };
        // Assigned within 6 hours and handled within 4 days, around the default targets (4 hours,
        // 3 days) so that some miss them; nothing later than now.
        let after = |rng: &mut StdRng, at: DateTime<Utc>, minutes: std::ops::RangeInclusive<i64>| {
            (at + Duration::minutes(rng.random_range(minutes))).min(last)
        };
        let (mut progress, mut at) = (Progress::default(), created_at);
        if let Some(handler) = handler {
            for step in plan {
                progress = match step {
                    Assign => {
                        at = after(rng, at, 5..=360);
                        progress.assign(handler, at)
                    }
                    Handle => {
                        at = after(rng, at, 30..=4 * 24 * 60);
                        progress.handle(pick(rng, &HANDLINGS).into(), at)
                    }
                    SendBack => {
                        at = after(rng, at, 60..=2 * 24 * 60);
                        progress.answer(pick(rng, &REWORKS).into(), rng.random_range(1..=2), at)
                    }
                    Archive => {
                        at = after(rng, at, 60..=2 * 24 * 60);
                        let rating = any(rng, &[3, 4, 4, 5, 5, 5]).unwrap_or(5);
                        progress.answer(pick(rng, &RESULTS).into(), rating, at)
                    }
                };
            }
        }
        Ok(Some(PastServiceRequest { new, created_at, progress }))
    }

    /// The `i`-th customer with contacts, interactions and orders after the day it was created.
    fn customer(
        &self,
        rng: &mut StdRng,
        i: usize,
        names: &mut HashSet<String>,
        today: NaiveDate,
    ) -> Result<CustomerHistory, Error> {
        let (city, region_id) = match self.cities.get(rng.random_range(0..self.cities.len().max(1))) {
            Some((city, id)) => (city.as_str(), Some(*id)),
            None => ("华夏", None),
        };
        let mut name =
            format!("{city}{}{}{}{}", pick(rng, &BRAND_A), pick(rng, &BRAND_B), pick(rng, &TRADES), pick(rng, &FORMS));
        if !names.insert(name.clone()) {
            name = format!("{city}{}{}分公司", pick(rng, &BRAND_A), i + 1);
        }
        let (division_id, owner_id) = self.owners.get(i % self.owners.len().max(1)).copied().unzip();
        let input = CustomerInput {
            name,
            division_id,
            owner_id,
            status: Some(pick(rng, &["active", "active", "active", "prospect", "lost"]).into()),
            level_id: any(rng, &self.levels),
            region_id,
            industry_id: any(rng, &self.industries),
            satisfaction: Some(rng.random_range(1..=5)),
            credit: Some(rng.random_range(1..=5)),
            phone: Some(format!("0{}-{:08}", rng.random_range(10..=99), 60_000_000 + i)),
            legal_representative: Some(person_name(rng)),
            registered_capital: Some(format!("{}.00", rng.random_range(1..=500) * 10)),
            ..Default::default()
        };
        let id = Uuid::now_v7();
        let span = (today - self.start).num_days().max(1);
        let created = self.start + Duration::days(rng.random_range(0..span));
        let created_at = created.and_hms_opt(rng.random_range(1..10), rng.random_range(0..60), 0).unwrap_or_default();
        // History falls between the customer's creation and today.
        let later = |rng: &mut StdRng| created + Duration::days(rng.random_range(0..=(today - created).num_days()));

        let mut contacts = Vec::with_capacity(CONTACTS_PER_CUSTOMER);
        for n in 0..CONTACTS_PER_CUSTOMER {
            let input = ContactInput {
                customer_id: Some(id),
                name: person_name(rng),
                gender: Some(pick(rng, &["male", "female"]).into()),
                title: Some(pick(rng, &TITLES).into()),
                mobile: Some(format!(
                    "1{}{:08}",
                    pick(rng, &["38", "39", "58", "86", "37"]),
                    rng.random_range(0..100_000_000)
                )),
                primary: Some(n == 0),
                ..Default::default()
            };
            contacts.push((Uuid::now_v7(), NewContact::parse(input)?));
        }
        let contact_ids: Vec<Uuid> = contacts.iter().map(|(id, _)| *id).collect();
        let mut interactions = Vec::with_capacity(INTERACTIONS_PER_CUSTOMER);
        for _ in 0..INTERACTIONS_PER_CUSTOMER {
            let at = later(rng).and_hms_opt(rng.random_range(1..10), rng.random_range(0..60), 0).unwrap_or_default();
            let input = InteractionInput {
                customer_id: Some(id),
                occurred_at: at.and_utc().to_rfc3339(),
                kind_id: any(rng, &self.kinds),
                place: Some(pick(rng, &PLACES).into()),
                summary: pick(rng, &SUMMARIES).into(),
                contact_id: any(rng, &contact_ids),
                ..Default::default()
            };
            interactions.push(NewInteraction::parse(input)?);
        }
        let mut orders = Vec::with_capacity(ORDERS_PER_CUSTOMER);
        for _ in 0..ORDERS_PER_CUSTOMER {
            let mut lines = Vec::new();
            for _ in 0..rng.random_range(1..=3) {
                let Some((id, price)) = any(rng, &self.products) else { continue };
                lines.push(OrderLineInput {
                    product_id: Some(id),
                    quantity: rng.random_range(1..=20).to_string(),
                    unit_price: format!("{price}.00"),
                    ..Default::default()
                });
            }
            let input = OrderInput {
                customer_id: Some(id),
                order_date: later(rng).to_string(),
                status: Some(pick(rng, &["completed", "completed", "shipped", "confirmed"]).into()),
                lines,
                ..Default::default()
            };
            orders.push(NewOrder::parse(input)?);
        }
        Ok(CustomerHistory {
            id,
            created_at: created_at.and_utc(),
            customer: NewCustomer::parse(input, None, None)?,
            contacts,
            interactions,
            orders,
            service_requests: Vec::new(),
        })
    }
}
