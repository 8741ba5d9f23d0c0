import pytest

from accounts.models import Address
from accounts.tests.factories import AddressFactory
from conftest import client_for

LIST_URL = "/api/auth/addresses/"


def detail_url(address_id):
    return f"/api/auth/addresses/{address_id}/"


def address_body(**overrides):
    return {
        "full_name": "Asha Rao",
        "phone": "+91 98450 12345",
        "street": "14 MG Road",
        "city": "Bengaluru",
        "state": "Karnataka",
        "pincode": "560001",
        "landmark": "Opposite the metro station",
        **overrides,
    }


def defaults_of(user):
    return list(
        Address.objects.filter(user=user, is_default=True).values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_the_first_address_becomes_the_default(user_client, user):
    response = user_client.post(LIST_URL, address_body(is_default=False), format="json")

    assert response.status_code == 201
    body = response.json()
    address = Address.objects.get(user=user)
    assert body == {
        "id": address.pk,
        "full_name": "Asha Rao",
        "phone": "+91 98450 12345",
        "street": "14 MG Road",
        "city": "Bengaluru",
        "state": "Karnataka",
        "pincode": "560001",
        "landmark": "Opposite the metro station",
        "is_default": True,
        "created_at": body["created_at"],
    }
    assert address.is_default


@pytest.mark.django_db
def test_a_later_address_is_not_the_default_unless_asked(user_client, user, address):
    response = user_client.post(LIST_URL, address_body(), format="json")

    assert response.status_code == 201
    assert response.json()["is_default"] is False
    assert defaults_of(user) == [address.pk]


@pytest.mark.django_db
def test_a_new_default_address_clears_the_old_one(user_client, user, address):
    response = user_client.post(LIST_URL, address_body(is_default=True), format="json")

    assert response.status_code == 201
    assert response.json()["is_default"] is True
    assert defaults_of(user) == [response.json()["id"]]


@pytest.mark.django_db
def test_the_landmark_may_be_left_out(user_client, user):
    body = address_body()
    del body["landmark"]

    response = user_client.post(LIST_URL, body, format="json")

    assert response.status_code == 201
    assert response.json()["landmark"] == ""


@pytest.mark.django_db
def test_the_list_holds_only_own_addresses_default_first(user_client, user, other_user):
    older = AddressFactory(user=user, is_default=False)
    default = AddressFactory(user=user, is_default=True)
    newer = AddressFactory(user=user, is_default=False)
    AddressFactory(user=other_user, is_default=True)

    response = user_client.get(LIST_URL)

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (3, None, None)
    assert [item["id"] for item in body["results"]] == [
        default.pk,
        newer.pk,
        older.pk,
    ]


@pytest.mark.django_db
def test_the_list_is_paginated(user_client, user):
    AddressFactory.create_batch(3, user=user)

    response = user_client.get(LIST_URL, {"page_size": 2, "page": 2})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert len(body["results"]) == 1
    assert body["previous"] is not None
    assert body["next"] is None


@pytest.mark.django_db
def test_an_address_can_be_read(user_client, address):
    response = user_client.get(detail_url(address.pk))

    assert response.status_code == 200
    assert response.json()["id"] == address.pk
    assert response.json()["full_name"] == address.full_name


@pytest.mark.django_db
def test_put_replaces_an_address(user_client, address):
    response = user_client.put(
        detail_url(address.pk),
        address_body(full_name="Ravi Rao", landmark=""),
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["full_name"] == "Ravi Rao"
    address.refresh_from_db()
    assert (address.full_name, address.street, address.landmark) == (
        "Ravi Rao",
        "14 MG Road",
        "",
    )
    assert address.is_default


@pytest.mark.django_db
def test_patch_changes_only_the_fields_sent(user_client, address):
    street = address.street

    response = user_client.patch(
        detail_url(address.pk), {"city": "Mysuru"}, format="json"
    )

    assert response.status_code == 200
    address.refresh_from_db()
    assert (address.city, address.street) == ("Mysuru", street)


@pytest.mark.django_db
def test_patching_is_default_moves_the_default(user_client, user, address):
    other = AddressFactory(user=user, is_default=False)

    response = user_client.patch(
        detail_url(other.pk), {"is_default": True}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["is_default"] is True
    assert defaults_of(user) == [other.pk]


@pytest.mark.django_db
def test_unsetting_the_default_is_ignored(user_client, user, address):
    AddressFactory(user=user, is_default=False)

    response = user_client.patch(
        detail_url(address.pk), {"is_default": False}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["is_default"] is True
    assert defaults_of(user) == [address.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["{}/", "{}/delete/"])
def test_an_address_can_be_deleted_on_both_paths(user_client, user, path):
    AddressFactory(user=user, is_default=True)
    spare = AddressFactory(user=user, is_default=False)

    response = user_client.delete(LIST_URL + path.format(spare.pk))

    assert response.status_code == 204
    assert not Address.objects.filter(pk=spare.pk).exists()


@pytest.mark.django_db
def test_deleting_the_default_makes_the_newest_remaining_one_default(user_client, user):
    default = AddressFactory(user=user, is_default=True)
    older = AddressFactory(user=user, is_default=False)
    newest = AddressFactory(user=user, is_default=False)
    assert older.created_at <= newest.created_at

    response = user_client.delete(detail_url(default.pk))

    assert response.status_code == 204
    assert defaults_of(user) == [newest.pk]


@pytest.mark.django_db
def test_deleting_the_last_address_leaves_an_empty_book(user_client, user, address):
    response = user_client.delete(detail_url(address.pk))

    assert response.status_code == 204
    assert not Address.objects.filter(user=user).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "{}/"),
        ("put", "{}/"),
        ("patch", "{}/"),
        ("delete", "{}/"),
        ("delete", "{}/delete/"),
    ],
)
def test_another_users_address_is_not_found(other_client, address, method, path):
    response = getattr(other_client, method)(
        LIST_URL + path.format(address.pk),
        address_body(full_name="Intruder", is_default=True),
        format="json",
    )

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"
    address.refresh_from_db()
    assert address.full_name != "Intruder"
    assert address.is_default


@pytest.mark.django_db
@pytest.mark.parametrize("address_id", [0, 987654, 99999999999999999999999])
def test_an_unknown_address_is_not_found(user_client, address_id):
    response = user_client.get(detail_url(address_id))

    assert response.status_code == 404


@pytest.mark.django_db
def test_a_non_numeric_address_id_is_not_found(user_client):
    response = user_client.get(LIST_URL + "abc/")

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


@pytest.mark.django_db
def test_staff_keep_an_address_book_too(staff_client, staff_user):
    response = staff_client.post(LIST_URL, address_body(), format="json")

    assert response.status_code == 201
    assert Address.objects.filter(user=staff_user).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field", ["full_name", "phone", "street", "city", "state", "pincode"]
)
def test_creating_an_address_requires_each_field(user_client, user, field):
    body = address_body()
    del body[field]

    response = user_client.post(LIST_URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"code": "required", "detail": "This field is required.", "attr": field}
    ]
    assert not Address.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "attr", "code"),
    [
        ({"phone": "98450-12345"}, "phone", "invalid_phone"),
        ({"phone": "call me maybe"}, "phone", "invalid_phone"),
        ({"phone": "++9198450123"}, "phone", "invalid_phone"),
        ({"phone": "12345"}, "phone", "min_length"),
        ({"phone": "1" * 21}, "phone", "max_length"),
        ({"pincode": "5600O1"}, "pincode", "invalid_pincode"),
        ({"pincode": "560"}, "pincode", "min_length"),
        ({"pincode": "5" * 11}, "pincode", "max_length"),
        ({"full_name": ""}, "full_name", "blank"),
        ({"full_name": "n" * 151}, "full_name", "max_length"),
        ({"street": "s" * 256}, "street", "max_length"),
        ({"city": "c" * 101}, "city", "max_length"),
        ({"state": "s" * 101}, "state", "max_length"),
        ({"landmark": "l" * 256}, "landmark", "max_length"),
        ({"landmark": None}, "landmark", "null"),
        ({"street": "line\x00two"}, "street", "null_characters_not_allowed"),
        ({"is_default": "perhaps"}, "is_default", "invalid"),
    ],
)
def test_a_bad_address_is_refused_and_nothing_is_saved(
    user_client, overrides, attr, code
):
    response = user_client.post(LIST_URL, address_body(**overrides), format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(error["attr"], error["code"]) for error in errors] == [(attr, code)]
    assert not Address.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("phone", ["9845012345", "+919845012345", "080 2222 3333"])
def test_phone_numbers_may_use_a_plus_and_spaces(user_client, phone):
    response = user_client.post(LIST_URL, address_body(phone=phone), format="json")

    assert response.status_code == 201
    assert response.json()["phone"] == phone


@pytest.mark.django_db
def test_a_bad_update_changes_nothing(user_client, address):
    before = Address.objects.values().get(pk=address.pk)

    response = user_client.put(
        detail_url(address.pk), address_body(pincode="abc"), format="json"
    )

    assert response.status_code == 400
    assert Address.objects.values().get(pk=address.pk) == before


@pytest.mark.django_db
def test_a_list_instead_of_an_object_is_refused(user_client):
    response = user_client.post(LIST_URL, [address_body()], format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "invalid"
    assert not Address.objects.exists()


@pytest.mark.django_db
def test_two_users_each_get_their_own_first_default(user, other_user):
    for owner in (user, other_user):
        client_for(owner).post(LIST_URL, address_body(), format="json")

    assert len(defaults_of(user)) == 1
    assert len(defaults_of(other_user)) == 1
