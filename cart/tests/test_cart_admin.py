from cart.models import CartItem
from catalog.tests.factories import ProductFactory


def test_the_cart_line_list_takes_a_few_queries_however_many_lines(
    admin_client, user, category, django_assert_max_num_queries
):
    CartItem.objects.bulk_create(
        CartItem(user=user, product=ProductFactory(category=category), quantity=2)
        for _ in range(20)
    )

    with django_assert_max_num_queries(10):
        response = admin_client.get("/admin/cart/cartitem/")

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 20


def test_cart_lines_cannot_be_added_from_the_admin(admin_client):
    response = admin_client.get("/admin/cart/cartitem/add/")

    assert response.status_code == 403
